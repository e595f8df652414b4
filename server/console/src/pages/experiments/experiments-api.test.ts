import { describe, expect, it } from 'vitest';
import { fieldProblems, pEquals, signedPercent } from './experiments-api';

describe('the Hub’s refusals, field by field', () => {
  it('splits a validation answer into messages by dotted path', () => {
    const { byPath, other } = fieldProblems('Invalid body: definition.variants.1.id: "control" is used by two variants; definition.holdoutShare: must be at most 0.5; name: must not be empty (request req-7)');
    expect(Object.fromEntries(byPath)).toEqual({ 'definition.variants.1.id': ['"control" is used by two variants'], 'definition.holdoutShare': ['must be at most 0.5'], name: ['must not be empty'] });
    expect(other).toEqual([]);
  });

  it('reads a route’s own refusal naming its field, and keeps a sentence naming none as it is', () => {
    expect(Object.fromEntries(fieldProblems('campaignId: no campaign c-1 has been synced to this workspace (push it from Studio first).').byPath)).toEqual({ campaignId: ['no campaign c-1 has been synced to this workspace (push it from Studio first).'] });
    expect(fieldProblems('The Hub does not answer: check your connection and try again.')).toEqual({ byPath: new Map(), other: ['The Hub does not answer: check your connection and try again.'] });
  });
});

describe('the figures as the results show them', () => {
  it('writes tiny p-values as a bound and lifts with their sign, never broken across lines', () => {
    expect(pEquals(0.0421)).toBe('p = 0.0421');
    expect(pEquals(7.7e-6)).toBe('p <\u00a00.0001');
    expect(signedPercent(1.5)).toMatch(/^\+150\.0\u00a0%$/);
    expect(signedPercent(-0.25)).toMatch(/^-25\.0\u00a0%$/);
    expect(signedPercent(Number.NaN)).toBe('—');
  });
});
