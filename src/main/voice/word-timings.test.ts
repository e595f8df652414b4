import { describe, expect, it } from 'vitest';
import { countSyllables, placeWords, splitWords } from './word-timings';

describe('word timings rule', () => {
  it('splits words, drops bare punctuation and marks phrase ends', () => {
    expect(splitWords('Apples, pears — and "plums."').map(({ word, endsPhrase }) => [word, endsPhrase])).toEqual([
      ['Apples', true],
      ['pears', false],
      ['and', false],
      ['plums', true],
    ]);
  });

  it('counts syllables with a silent final e', () => {
    expect([countSyllables('while'), countSyllables('table'), countSyllables('children'), countSyllables('the')]).toEqual([1, 2, 2, 1]);
  });

  it('gives each pause to the phrase end it is nearest to, and spreads words by weight inside', () => {
    // Three phrase ends but only one pause, which sits after "two words": the matching must pick that one.
    const words = splitWords('One, two words, three, four five six seven eight.');
    const placed = placeWords({ words, speech: [{ start: 0, end: 1 }, { start: 1.5, end: 4 }] });
    expect(placed.find((word) => word.word === 'three')?.start).toBe(1.5);
    expect(placed.at(-1)?.end).toBe(4);
    expect(placed.every((word, index) => index === 0 || word.start >= (placed[index - 1]?.end ?? 0))).toBe(true);
  });

  it('ignores short silences beyond the number of phrase ends', () => {
    const words = splitWords('Stop talking');
    const placed = placeWords({ words, speech: [{ start: 0.1, end: 0.3 }, { start: 0.35, end: 0.9 }] });
    expect(placed[0]?.start).toBe(0.1);
    expect(placed[1]?.end).toBe(0.9);
  });
});
