import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attributionCli } from './attribution';

/** Runs the command and collects what it printed. */
async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await attributionCli(args, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('npm run hub -- attribution', () => {
  let dir: string;
  const file = (name: string) => join(dir, name);
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kata-attribution-cli-'));
    await writeFile(file('paths.csv'), ['path;total_conversions;total_conversion_value;total_null', 'C1 > C2 > C3;1;10;0', 'C1;0;0;1', 'C2 > C3;0;0;1', ''].join('\n'));
    await writeFile(file('no-header.csv'), 'search > Direct;2;50;0\r\nDIRECT;1;10;3\r\n');
    await writeFile(file('bad-number.csv'), 'path;total_conversions;total_conversion_value;total_null\nsearch;1;10;0\nsearch > email;two;10;0\n');
    await writeFile(file('bad-fields.csv'), 'search,1,10,0\n');
    await writeFile(file('bad-path.csv'), 'search > > email;1;10;0\n');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('prints only the JSON result with --json', async () => {
    const { code, out, err } = await run(['--paths', file('paths.csv'), '--model', 'markov', '--json']);
    expect({ code, err }).toEqual({ code: 0, err: '' });
    const result = JSON.parse(out) as { model: string; credits: { key: string; conversions: number; value: number }[]; totals: unknown };
    expect(result.model).toBe('markov');
    expect(result.totals).toEqual({ conversions: 1, value: 10 });
    expect(result.credits.map((c) => [c.key, Math.round(c.conversions * 1e9) / 1e9, Math.round(c.value * 1e9) / 1e9])).toEqual([
      ['C1', 0.2, 2],
      ['C2', 0.4, 4],
      ['C3', 0.4, 4],
    ]);
  });

  it('prints a readable table without --json', async () => {
    expect(await run(['--paths', file('paths.csv'), '--model', 'markov', '--order', '1'])).toEqual({
      code: 0,
      out: [
        'markov (order 1) over 3 paths: 1.00 conversions, value 10.00',
        'channel  conversions   share  value  removal effect',
        'C2              0.40  40.0 %   4.00         100.0 %',
        'C3              0.40  40.0 %   4.00         100.0 %',
        'C1              0.20  20.0 %   2.00          50.0 %',
      ].join('\n'),
      err: '',
    });
    expect((await run(['--paths', file('paths.csv'), '--model', 'first'])).out).toBe(
      ['first over 3 paths: 1.00 conversions, value 10.00', 'channel  conversions    share  value', 'C1              1.00  100.0 %  10.00', 'C2              0.00    0.0 %   0.00', 'C3              0.00    0.0 %   0.00'].join('\n'),
    );
  });

  it('reads files without a header and with CRLF, and takes "direct" in any case as the direct channel', async () => {
    const { code, out } = await run(['--paths', file('no-header.csv'), '--model', 'last-non-direct', '--json']);
    expect(code).toBe(0);
    expect((JSON.parse(out) as { credits: unknown }).credits).toEqual([
      { key: 'DIRECT', conversions: 1, value: 10 },
      { key: 'Direct', conversions: 0, value: 0 },
      { key: 'search', conversions: 2, value: 50 },
    ]);
  });

  it('counts path steps as one day apart for time decay, the last on the day of the conversion', async () => {
    const { out } = await run(['--paths', file('paths.csv'), '--model', 'time-decay', '--half-life', '1', '--json']);
    // C1 > C2 > C3 with a half-life of one day: weights 1/4, 1/2, 1 → 1/7, 2/7, 4/7.
    const credits = (JSON.parse(out) as { credits: { conversions: number }[] }).credits.map((c) => c.conversions);
    expect(credits[0]).toBeCloseTo(1 / 7, 12);
    expect(credits[1]).toBeCloseTo(2 / 7, 12);
    expect(credits[2]).toBeCloseTo(4 / 7, 12);
  });

  it('names the line and field of bad input, and exits 2', async () => {
    expect(await run(['--paths', file('bad-number.csv'), '--model', 'linear'])).toEqual({ code: 2, out: '', err: `${file('bad-number.csv')}, line 3, field total_conversions: "two" is not a number ≥ 0.` });
    expect((await run(['--paths', file('bad-fields.csv'), '--model', 'linear'])).err).toBe(`${file('bad-fields.csv')}, line 1: expected 4 fields separated by ";" (path;total_conversions;total_conversion_value;total_null), found 1.`);
    expect((await run(['--paths', file('bad-path.csv'), '--model', 'linear'])).err).toBe(`${file('bad-path.csv')}, line 1, field path: channel 2 of "search > > email" has no name.`);
    expect(await run(['--paths', file('missing.csv'), '--model', 'linear'])).toEqual({ code: 2, out: '', err: `Cannot read ${file('missing.csv')}: no such file` });
  });

  it('runs every model on the example path file, crediting all its conversions and value', async () => {
    const example = new URL('../../../examples/hub/attribution-paths.csv', import.meta.url).pathname;
    for (const args of [['first'], ['last'], ['last-non-direct'], ['linear'], ['time-decay'], ['position'], ['markov', '--order', '1'], ['markov', '--order', '2'], ['markov', '--order', '3'], ['shapley']]) {
      const { code, out } = await run(['--paths', example, '--model', ...args, '--json']);
      expect(code).toBe(0);
      const result = JSON.parse(out) as { credits: { conversions: number; value: number }[]; totals: { conversions: number; value: number } };
      expect(result.totals).toEqual({ conversions: 449, value: 35231.75 });
      expect(result.credits.reduce((sum, c) => sum + c.conversions, 0)).toBeCloseTo(449, 9);
      expect(result.credits.reduce((sum, c) => sum + c.value, 0)).toBeCloseTo(35231.75, 7);
    }
  });

  it('explains itself with --help', async () => {
    const { code, out } = await run(['--help']);
    expect(code).toBe(0);
    expect(out).toContain('path files have no times, so a path\'s\n               steps count as one day apart, the last on the day of the conversion');
  });

  it('explains bad arguments with the usage', async () => {
    const usage = 'usage: npm run hub -- attribution --paths <file.csv> --model <name>';
    for (const [args, message] of [
      [['--model', 'linear'], 'Missing --paths <file.csv>.'],
      [['--paths', 'x.csv'], 'Missing --model <name>.'],
      [['--paths', 'x.csv', '--model', 'u-shaped'], 'Unknown model "u-shaped"; use one of first, last, last-non-direct, linear, time-decay, position, markov, shapley.'],
      [['--paths', 'x.csv', '--model', 'markov', '--order', '4'], '--order must be 1, 2 or 3, not "4".'],
      [['--paths', 'x.csv', '--model', 'linear', '--order', '2'], '--order applies to --model markov only.'],
      [['--paths', 'x.csv', '--model', 'time-decay', '--half-life', '0'], '--half-life must be a number of days above 0, not "0".'],
      [['--paths', 'x.csv', '--model', 'linear', '--verbose'], "Unknown option '--verbose'"],
    ] as const) {
      const result = await run([...args]);
      expect(result).toMatchObject({ code: 2, out: '' });
      expect(result.err).toContain(message);
      expect(result.err).toContain(usage);
    }
  });
});
