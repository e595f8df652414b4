/**
 * Attribution models on one million generated journeys over 12 channels
 * (a seeded generator: the same journeys on every run), each model timed
 * against its target: every rule-based model under 2 s, Markov order 1 under
 * 5 s, Shapley under 10 s; Markov orders 2 and 3 are shown without a target.
 * Each line also checks that the credits sum to the observed conversions and
 * value, and is set against a floor measured in the same run: one plain pass
 * over the journeys counting touches per channel in a Map, the least any model
 * has to do. Peak memory is the process's maximum resident set. The exit code is 1
 * when an answer was wrong or a target was missed.
 * Run: npm run bench:attribution (KATA_BENCH_JOURNEYS)
 */
import { performance } from 'node:perf_hooks';
import { attribute, type Journey, type ModelName, type ModelOptions } from '../../server/src/attribution/models/index';

const journeyCount = Number(process.env.KATA_BENCH_JOURNEYS ?? 1_000_000);
const day = 86_400_000;
const channels = ['search', 'social', 'email', 'video', 'display', 'affiliate', 'referral', 'podcast', 'tv', 'sms', 'push', 'direct'];

/** mulberry32: a small seeded generator. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Journeys of 1 to 10 touches (mean about 3), channels drawn with uneven popularity and repeats,
 * touches 0 to 3 days apart; the chance to convert grows with the channels' own propensities.
 */
function generateJourneys(count: number): Journey[] {
  const next = random(20261124);
  const popularity = channels.map((_, i) => 1 / (i + 1));
  const cumulative = popularity.map((_, i) => popularity.slice(0, i + 1).reduce((a, b) => a + b, 0) / popularity.reduce((a, b) => a + b, 0));
  const propensity = channels.map((_, i) => 0.02 + ((i * 7) % 12) / 100);
  const journeys: Journey[] = [];
  const start = Date.UTC(2026, 9, 1);
  for (let i = 0; i < count; i++) {
    let length = 1;
    while (length < 10 && next() < 0.65) length++;
    let at = start + Math.floor(next() * 30 * day);
    let chance = 0;
    const touches = [];
    for (let t = 0; t < length; t++) {
      const u = next();
      const c = cumulative.findIndex((edge) => u <= edge);
      touches.push({ key: channels[c]!, direct: c === channels.length - 1, at });
      chance += propensity[c]!;
      at += Math.floor(next() * 3 * day);
    }
    const converted = next() < Math.min(0.9, chance / 2);
    journeys.push(converted ? { touches, conversions: 1, value: 20 + Math.round(next() * 180), nulls: 0, convertedAt: at } : { touches, conversions: 0, value: 0, nulls: 1 });
  }
  return journeys;
}

const runs: { label: string; model: ModelName; options?: ModelOptions; target?: number }[] = [
  ...(['first', 'last', 'last-non-direct', 'linear', 'time-decay', 'position'] as const).map((model) => ({ label: model, model, target: 2 })),
  { label: 'markov order 1', model: 'markov', options: { order: 1 }, target: 5 },
  { label: 'markov order 2', model: 'markov', options: { order: 2 } },
  { label: 'markov order 3', model: 'markov', options: { order: 3 } },
  { label: 'shapley', model: 'shapley', target: 10 },
];

/** The floor: read every touch once and count it per channel. */
function floor(journeys: Journey[]): number {
  const started = performance.now();
  const touchesByKey = new Map<string, number>();
  for (const journey of journeys) for (const touch of journey.touches) touchesByKey.set(touch.key, (touchesByKey.get(touch.key) ?? 0) + journey.conversions);
  if (touchesByKey.size !== channels.length) throw new Error('the floor missed a channel');
  return (performance.now() - started) / 1000;
}

const row = (cells: (string | number)[]) => cells.map((c, i) => String(c).padStart(i === 0 ? 0 : 12).padEnd(i === 0 ? 18 : 0)).join('');
const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

function main(): number {
  console.log(`Attribution models, Node ${process.version}: ${journeyCount.toLocaleString('en-US')} generated journeys over ${channels.length} channels`);
  const generationStarted = performance.now();
  const journeys = generateJourneys(journeyCount);
  const conversions = journeys.reduce((sum, j) => sum + j.conversions, 0);
  const value = journeys.reduce((sum, j) => sum + j.value, 0);
  const touches = journeys.reduce((sum, j) => sum + j.touches.length, 0);
  console.log(`generated in ${((performance.now() - generationStarted) / 1000).toFixed(2)} s: ${touches.toLocaleString('en-US')} touches, ${conversions.toLocaleString('en-US')} conversions; heap ${megabytes(process.memoryUsage().heapUsed)}`);
  floor(journeys); // warm up
  const floorSeconds = floor(journeys);
  console.log(`floor (one pass counting touches per channel): ${floorSeconds.toFixed(2)} s`);
  console.log(row(['model', 'seconds', 'target s', 'x target', 'x floor', 'states', 'rss MB']));
  const problems: string[] = [];
  for (const { label, model, options, target } of runs) {
    const started = performance.now();
    const result = attribute(model, journeys, options);
    const seconds = (performance.now() - started) / 1000;
    const credited = result.credits.reduce((t, c) => ({ conversions: t.conversions + c.conversions, value: t.value + c.value }), { conversions: 0, value: 0 });
    if (Math.abs(credited.conversions - conversions) > 1e-6 * conversions || Math.abs(credited.value - value) > 1e-6 * value) {
      problems.push(`${label} credited ${credited.conversions} conversions and ${credited.value} value of ${conversions} and ${value}`);
    }
    const states = (result.detail as { states?: number } | undefined)?.states;
    console.log(row([label, seconds.toFixed(2), target === undefined ? '-' : `< ${target}`, target === undefined ? '-' : (seconds / target).toFixed(2), (seconds / floorSeconds).toFixed(1), states ?? '-', (process.memoryUsage().rss / 1024 / 1024).toFixed(0)]));
    if (target !== undefined && seconds >= target) problems.push(`${label} took ${seconds.toFixed(2)} s, over the target of ${target} s`);
  }
  console.log(`peak memory (max RSS): ${megabytes(process.resourceUsage().maxRSS * 1024)}`);
  for (const problem of problems) console.error(`FAILED: ${problem}`);
  return problems.length > 0 ? 1 : 0;
}

process.exit(main());
