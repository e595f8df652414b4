import { describe, expect, it } from 'vitest';
import { parseSpendCsv, SpendImportError } from './spend';

const problemsOf = (csv: string) => {
  try {
    parseSpendCsv(csv, 'EUR');
  } catch (error) {
    if (error instanceof SpendImportError) return error.problems;
    throw error;
  }
  throw new Error('expected the import to be refused');
};

describe('spend CSV', () => {
  it('reads a header row in any order and case, with the reporting currency by default', () => {
    const csv = 'Channel,Date,Amount,Campaign,Currency\npaid-social,2026-06-01,120.50,camp-1,usd\nemail,2026-06-01,"1,000",,\n';
    expect(parseSpendCsv(csv, 'EUR')).toEqual([
      { day: '2026-06-01', channel: 'paid-social', campaign: 'camp-1', amount: 120.5, currency: 'USD' },
      { day: '2026-06-01', channel: 'email', campaign: '', amount: 1000, currency: 'EUR' },
    ]);
  });

  it('works without campaign and currency columns', () => {
    expect(parseSpendCsv('date,channel,amount\r\n2026-06-02,display,3\r\n', 'GBP')).toEqual([{ day: '2026-06-02', channel: 'display', campaign: '', amount: 3, currency: 'GBP' }]);
  });

  it('names every bad line by its line number in the file, and imports nothing', () => {
    const csv = ['date,channel,campaign,amount,currency', '2026-06-01,email,,10,EUR', '06/02/2026,email,,10,EUR', '2026-06-03,email,,ten,EUR', '2026-06-04,email,,-5,EUR', '2026-06-05,Paid Social,,5,EUR', '2026-06-06,email,,5,EURO', '2026-06-07,email,,5', '2026-06-01,email,,12,EUR'].join('\n');
    expect(problemsOf(csv)).toEqual([
      'line 3: date: use a date like 2026-03-31',
      'line 4: amount: "ten" is not a number',
      'line 5: amount: spend cannot be negative',
      'line 6: channel: use the channel name from the grouping, e.g. "paid-social"',
      'line 7: currency: use a three-letter ISO 4217 code, e.g. EUR',
      'line 8: has 4 fields, the header has 5',
      'line 9: repeats 2026-06-01 / email from line 2; give each day, channel and campaign once',
    ]);
  });

  it('explains a header that lacks columns or has unknown ones, and an empty file', () => {
    expect(problemsOf('day,channel,cost\n2026-06-01,email,1')).toEqual(['line 1: the header lacks date, amount and has unknown columns day, cost (columns: date, channel, campaign, amount, currency)']);
    expect(problemsOf('')).toEqual([expect.stringMatching(/^the file is empty/)]);
    expect(problemsOf('date,channel,amount\n')).toEqual(['the file has a header but no lines']);
    expect(problemsOf('date,channel,amount\n"2026-06-01,email,1')[0]).toMatch(/^the file is not valid CSV/);
  });
});
