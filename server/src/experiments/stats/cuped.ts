import { StatsInputError, type CovariateTotals, type MeanTotals, type SampleMoments } from './moments';

/**
 * CUPED (Deng, Xu, Kohavi & Walker, "Improving the sensitivity of online
 * controlled experiments by utilizing pre-experiment data", WSDM 2013):
 * subtract from each unit's metric y the part its pre-period covariate x
 * predicts, y' = y − θ·(x − x̄), which keeps the mean difference unbiased
 * (x is measured before assignment, so E[x̄_v] is the same in every variant)
 * and shrinks the variance by the factor 1 − corr(y, x)².
 *
 *   θ = cov(y, x) / var(x), pooled within variants:
 *       θ = Σ_v Sxy_v / Σ_v Sxx_v,  Sxy_v = Σxy − Σx·Σy/n,  Sxx_v = Σx² − (Σx)²/n
 *       (within-variant sums, so a treatment effect on y does not leak into θ)
 *   x̄ = the covariate's mean over all units of all variants
 *   adjusted mean      ȳ'_v = ȳ_v − θ·(x̄_v − x̄)
 *   adjusted variance  s'²_v = s²_y − 2θ·s_xy + θ²·s²_x   (per variant, n − 1 denominators)
 *
 * θ is estimated from the same data and then treated as known, as is usual:
 * the error this adds is O(1/n).
 */

/** A variant's metric totals with its covariate totals over the same units. */
export interface CupedTotals {
  name: string;
  metric: MeanTotals;
  covariate: CovariateTotals;
}

export interface CupedAdjustment {
  theta: number;
  /** The adjusted moments, in the order of the variants given. */
  moments: SampleMoments[];
  /** 1 − (adjusted variance / raw variance), per variant: the share of variance removed. */
  varianceReduction: number[];
}

export function cupedAdjust(variants: CupedTotals[]): CupedAdjustment {
  let covarianceSum = 0;
  let covariateSquaresSum = 0;
  let totalUnits = 0;
  let totalCovariate = 0;
  for (const { metric, covariate } of variants) {
    covarianceSum += covariate.sumProducts - (covariate.sum * metric.sum) / metric.n;
    covariateSquaresSum += covariate.sumSquares - (covariate.sum * covariate.sum) / metric.n;
    totalUnits += metric.n;
    totalCovariate += covariate.sum;
  }
  if (!(covariateSquaresSum > 0)) throw new StatsInputError('the covariate has no variance within the variants (every unit has the same pre-period value): CUPED cannot use it');
  const theta = covarianceSum / covariateSquaresSum;
  const overallCovariateMean = totalCovariate / totalUnits;
  const moments: SampleMoments[] = [];
  const varianceReduction: number[] = [];
  for (const { metric, covariate } of variants) {
    const n = metric.n;
    const metricMean = metric.sum / n;
    const covariateMean = covariate.sum / n;
    const metricVariance = (metric.sumSquares - (metric.sum * metric.sum) / n) / (n - 1);
    const covariateVariance = (covariate.sumSquares - (covariate.sum * covariate.sum) / n) / (n - 1);
    const covariance = (covariate.sumProducts - (covariate.sum * metric.sum) / n) / (n - 1);
    const variance = Math.max(0, metricVariance - 2 * theta * covariance + theta * theta * covariateVariance);
    moments.push({ n, mean: metricMean - theta * (covariateMean - overallCovariateMean), variance });
    varianceReduction.push(metricVariance > 0 ? 1 - variance / metricVariance : 0);
  }
  return { theta, moments, varianceReduction };
}
