import { normalCdf, normalDensity, normalQuantile } from './distributions';
import { lifts, type Interval, type LiftPoint } from './lift';
import type { SampleMoments } from './moments';

/**
 * Bayesian comparison under a Gaussian model of the relative lift r
 * (as GrowthBook and Eppo do): the data give r̂ with its delta-method SE, and
 *
 *   likelihood  r̂ | r ~ N(r, SE²)
 *   prior       r ~ N(μ₀, σ₀²)            optional; without it the prior is flat
 *   posterior   r | r̂ ~ N(m, s²),  1/s² = 1/SE² + 1/σ₀²,  m = s²·(r̂/SE² + μ₀/σ₀²)
 *
 * (flat prior: m = r̂, s = SE). From the posterior:
 *
 *   chance to win          P(r > 0) = Φ(m/s)
 *   risk of the treatment  E[max(0, −r)] = s·φ(m/s) − m·Φ(−m/s)   (the lift lost if it is shipped and is worse)
 *   risk of the control    E[max(0,  r)] = s·φ(m/s) + m·Φ( m/s)   (the lift forgone if it is kept and is worse)
 *   credible interval      m ± Φ⁻¹(1 − α/2)·s
 *
 * Both risks are in units of relative lift (0.01 = one percent of the
 * control's mean). The absolute lift is shown as its estimate and SE.
 */

/** A proper normal prior on the relative lift: mean and standard deviation (e.g. { mean: 0, sd: 0.3 }). */
export interface NormalPrior {
  mean: number;
  sd: number;
}

export interface BayesianComparison {
  absolute: LiftPoint;
  /** The posterior of the relative lift: its mean, sd and credible interval. */
  relative: { estimate: number; standardError: number; interval: Interval };
  chanceToWin: number;
  risk: { treatment: number; control: number };
}

export interface BayesianOptions {
  alpha: number;
  prior?: NormalPrior | undefined;
  names: { control: string; treatment: string };
}

/** The posterior N(m, s²) of an effect observed as N(estimate, SE²), under an optional normal prior. */
export function normalPosterior(observed: LiftPoint, prior?: NormalPrior): { mean: number; sd: number } {
  if (!prior) return { mean: observed.estimate, sd: observed.standardError };
  const dataPrecision = 1 / observed.standardError ** 2;
  const priorPrecision = 1 / prior.sd ** 2;
  const precision = dataPrecision + priorPrecision;
  return { mean: (observed.estimate * dataPrecision + prior.mean * priorPrecision) / precision, sd: Math.sqrt(1 / precision) };
}

/** E[max(0, −X)] for X ~ N(mean, sd²): the expected loss of betting that X > 0. */
export function expectedShortfall(mean: number, sd: number): number {
  const z = mean / sd;
  return sd * normalDensity(z) - mean * normalCdf(-z);
}

export function bayesianComparison(control: SampleMoments, treatment: SampleMoments, options: BayesianOptions): BayesianComparison {
  const { absolute, relative } = lifts(control, treatment, options.names);
  const posterior = normalPosterior(relative, options.prior);
  const half = normalQuantile(1 - options.alpha / 2) * posterior.sd;
  return {
    absolute,
    relative: { estimate: posterior.mean, standardError: posterior.sd, interval: { lower: posterior.mean - half, upper: posterior.mean + half } },
    chanceToWin: normalCdf(posterior.mean / posterior.sd),
    risk: { treatment: expectedShortfall(posterior.mean, posterior.sd), control: expectedShortfall(-posterior.mean, posterior.sd) },
  };
}
