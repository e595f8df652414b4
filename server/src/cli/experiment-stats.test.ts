import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeExperiment, experimentInputSchema, type ExperimentInput } from '../experiments/stats/analysis';
import { experimentStats } from './experiment-stats';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kata-experiment-stats-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Writes `content` (JSON unless a string) to a file in the temp folder, runs the command on it and collects what it printed. */
async function run(content: ExperimentInput | string | null, flags: string[] = [], name = 'experiment.json') {
  if (content !== null) await writeFile(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  const out: string[] = [];
  const err: string[] = [];
  const code = await experimentStats([name, ...flags], { env: { INIT_CWD: dir }, out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const checkout: ExperimentInput = {
  variants: [
    { name: 'control', n: 25013, sum: 31050.2, sumSquares: 412990.0 },
    { name: 'new-checkout', n: 24870, sum: 31950.9, sumSquares: 430512.5 },
  ],
};

describe('npm run hub -- experiment-stats', () => {
  it('prints the lift, its interval and the p-value per variant, with the sample-ratio check, and exits 0', async () => {
    expect(await run(checkout)).toEqual({
      code: 0,
      out: [
        'Mean, frequentist (Welch t-test), two-sided, α = 0.05; control: control',
        '',
        'control       n = 25,013  mean = 1.2414  (control)',
        '',
        'new-checkout  n = 24,870  mean = 1.2847',
        '  lift +0.0434 (95 % CI −0.0253 to +0.1120)',
        '  relative +3.49 % (−2.14 % to +9.12 %)',
        '  p = 0.2161, not significant',
        '',
        'Sample ratio: χ² = 0.41, p = 0.5220; the traffic matches the weights.',
      ].join('\n'),
      err: '',
    });
  });

  it('reads the example in examples/, relative to the folder the command was typed in', async () => {
    const repo = new URL('../../../', import.meta.url).pathname;
    const result = await experimentStats(['examples/hub/experiment.json'], { env: { INIT_CWD: repo }, out: () => {}, err: (line) => expect.fail(line) });
    expect(result).toBe(0);
  });

  it('with --json prints only the analysis, as JSON', async () => {
    const { code, out, err } = await run(checkout, ['--json']);
    expect({ code, err }).toEqual({ code: 0, err: '' });
    const printed = JSON.parse(out) as ReturnType<typeof analyzeExperiment>;
    expect(printed).toEqual(JSON.parse(JSON.stringify(analyzeExperiment(experimentInputSchema.parse(checkout)))));
    expect(printed.variants[1]!.comparison).toMatchObject({ engine: 'frequentist', sequential: false, significant: false });
  });

  it('runs the Bayesian engine on conversion rates with a prior, and exits 1 on a sample-ratio mismatch', async () => {
    const result = await run({ engine: 'bayesian', prior: { mean: 0, sd: 0.1 }, variants: [{ name: 'control', n: 10000, conversions: 1000 }, { name: 'bold-hero', n: 10700, conversions: 1185 }] });
    expect(result.code).toBe(1);
    expect(result.out.split('\n')).toEqual([
      'Conversion rate, Bayesian (Gaussian model of the relative lift), α = 0.05; control: control',
      '',
      'control    n = 10,000  rate = 10.00 %  (control)',
      '',
      'bold-hero  n = 10,700  rate = 11.07 %',
      '  relative lift +8.94 % (95 % credible interval +0.90 % to +16.98 %), absolute +0.0107 ± 0.0043',
      '  chance to win 98.5 %; risk if shipped 0.02 %, if the control is kept 8.96 %',
      '',
      'SAMPLE RATIO MISMATCH (χ² = 23.67, p < 0.0001, below 0.001): expected about 10,350 / 10,350 units, got 10,000 / 10,700: assignment or logging is broken, so do not trust these results until the cause is found.',
    ]);
    // The same traffic is no mismatch when the weights asked for it.
    const weighted = await run({ engine: 'bayesian', variants: [{ name: 'control', n: 10000, conversions: 1000, weight: 100 }, { name: 'bold-hero', n: 10700, conversions: 1185, weight: 107 }] });
    expect(weighted.code).toBe(0);
    expect(weighted.out).toContain('Sample ratio: χ² = 0.00, p = 1.0000; the traffic matches the weights.');
  });

  it('runs the sequential test, one-sided, with CUPED, against a named control', async () => {
    const result = await run({
      sequential: { plannedSampleSize: 5000 },
      alternative: 'greater',
      alpha: 0.1,
      control: 'old',
      variants: [
        { name: 'new', n: 2000, sum: 10400, sumSquares: 70000, covariate: { sum: 9000, sumSquares: 50000, sumProducts: 55000 } },
        { name: 'old', n: 2000, sum: 10000, sumSquares: 66000, covariate: { sum: 9100, sumSquares: 51000, sumProducts: 53000 } },
      ],
    });
    expect(result.code).toBe(0);
    expect(result.out).toContain('Mean, frequentist, sequential (always-valid, tightest at 5,000 units), greater, α = 0.1; control: old');
    expect(result.out).toMatch(/^CUPED: θ = 0\.\d{4}, variance reduced by \d+\.\d % \(new\), \d+\.\d % \(old\)$/m);
    expect(result.out).toMatch(/lift \+0\.\d{4} \(90 % confidence sequence \+?−?0\.\d{4} to \+∞\)/);
    expect(result.out).toMatch(/always-valid p [=<] 0\.\d{4}, (not )?significant/);
  });

  it('names the field of every problem in the file, and exits 2', async () => {
    expect(await run({ engine: 'bayes' as 'bayesian', variants: [{ name: 'a', n: 10.5, conversions: 3 }, { name: 'b', n: 10, conversions: 2 }] })).toEqual({
      code: 2,
      out: '',
      err: ['experiment.json is not a valid experiment:', 'variants.0.n: must be a whole number', 'engine: Invalid option: expected one of "frequentist"|"bayesian"'].join('\n'),
    });
    const problems = await run({
      prior: { mean: 0, sd: 0.1 },
      control: 'ctrl',
      variants: [
        { name: 'a', n: 10, sum: 5, sumSquares: 1 },
        { name: 'a', n: 10, conversions: 11 },
        { name: 'c', n: 10, sum: 5 },
      ],
    });
    expect(problems.code).toBe(2);
    expect(problems.err.split('\n')).toEqual([
      'experiment.json is not a valid experiment:',
      'variants.0.sumSquares: is less than sum²/n (2.5), which no data can give: check that it is Σy², not (Σy)² or a variance',
      'variants.1.name: "a" is used by two variants',
      'variants.1.conversions: the first variant is a means metric (sum, sumSquares): every variant must be',
      'variants.1.sum: is required: a means metric needs n, sum and sumSquares in every variant (or use n and conversions for a proportion)',
      'variants.1.sumSquares: is required: a means metric needs n, sum and sumSquares in every variant',
      'variants.2.sumSquares: is required: a means metric needs n, sum and sumSquares in every variant',
      'control: no variant is named "ctrl"',
      'prior: is for the bayesian engine (set "engine": "bayesian")',
    ]);
    expect((await run({ engine: 'bayesian', sequential: true, variants: [{ name: 'a', n: 10, conversions: 1 }, { name: 'b', n: 10, conversions: 12 }] })).err.split('\n').slice(1)).toEqual([
      'variants.1.conversions: is more than n (10)',
      'sequential: is for the frequentist engine: the bayesian results are not tests to peek at',
    ]);
    expect((await run({ variants: [{ name: 'a', n: 10, conversions: 1 }] })).err).toContain('variants: needs at least two variants, the control and a treatment');
    expect((await run({ sequential: 'yes' as unknown as boolean, variants: [{ name: 'a', n: 10, conversions: 1 }, { name: 'b', n: 10, conversions: 2 }] })).err).toContain('sequential: must be true, false or { "plannedSampleSize": <units, a whole number> }');
  });

  it('says why data that parse cannot be compared, and exits 2', async () => {
    expect(await run({ variants: [{ name: 'a', n: 100, conversions: 0 }, { name: 'b', n: 100, conversions: 3 }] })).toEqual({
      code: 2,
      out: '',
      err: 'Cannot analyze experiment.json: variant "a" (the control) has a mean of 0: the relative lift is undefined',
    });
    expect((await run({ variants: [{ name: 'a', n: 100, conversions: 100 }, { name: 'b', n: 100, conversions: 100 }] })).err).toBe(
      'Cannot analyze experiment.json: variants "a" and "b" have no variance (every unit has the same value): there is nothing to test',
    );
    expect((await run({ variants: [{ name: 'a', n: 1, sum: 3, sumSquares: 9 }, { name: 'b', n: 100, sum: 300, sumSquares: 1000 }] })).err).toBe(
      'Cannot analyze experiment.json: variant "a" has 1 units: a comparison needs at least 2 in each variant',
    );
  });

  it('exits 2 for a missing or unreadable file or bad arguments', async () => {
    expect(await run(null, [], 'nowhere.json')).toEqual({ code: 2, out: '', err: 'nowhere.json: no such file' });
    expect(await run('{ "variants": [', [], 'broken.json')).toMatchObject({ code: 2, err: expect.stringMatching(/^broken\.json is not valid JSON: /) });
    const noFile = await experimentStats([], { env: {}, out: () => {}, err: (line) => expect(line).toMatch(/^Name the experiment file\.\nusage: npm run hub -- experiment-stats <file.json> \[--json\]/) });
    expect(noFile).toBe(2);
    expect((await run(checkout, ['--verbose'])).code).toBe(2);
  });
});
