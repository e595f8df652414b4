import type { SpokenWord } from './tts';
import type { SpeechSegment } from './wav';

/** A word of the text as the timing rule sees it. */
export interface TextWord {
  word: string;
  /** How long it takes to say, relative to the other words: see `speakingWeight`. */
  weight: number;
  /** Punctuation follows it (",", ".", "?"...): the only places a speech engine pauses. */
  endsPhrase: boolean;
}

const PHRASE_END = /[,.;:!?…]["'”’)\]]*$/u;
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

/** The words of `text` in order; tokens with no letter or digit ("-", "—") are not spoken, so they are not words. */
export function splitWords(text: string): TextWord[] {
  return text
    .split(/\s+/u)
    .filter((token) => LETTER_OR_DIGIT.test(token))
    .map((token) => {
      const word = token.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '');
      return { word, weight: speakingWeight(word), endsPhrase: PHRASE_END.test(token) };
    });
}

/**
 * How long a word takes to say: one per syllable, plus half per consonant letter,
 * because "jumps" lasts three times as long as "the" though both have one syllable
 * (measured on espeak-ng: this halves the error of syllables alone).
 */
export function speakingWeight(word: string): number {
  const lower = word.toLowerCase();
  const consonants = (lower.match(/[bcdfghjklmnpqrstvwxzßçñ]/gu) ?? []).length;
  return countSyllables(lower) + consonants / 2;
}

/** Vowel groups, minus a silent final "e" ("while", not "table"); a digit reads as about one and a half. */
export function countSyllables(word: string): number {
  const lower = word.toLowerCase();
  const digits = (lower.match(/\p{N}/gu) ?? []).length;
  let vowelGroups = (lower.match(/[aeiouyàáâäæèéêëìíîïòóôöøùúûüœ]+/gu) ?? []).length;
  if (vowelGroups > 1 && /[^aeiouy]e$/u.test(lower) && !/[^aeiouy]le$/u.test(lower)) vowelGroups -= 1;
  // Scripts without Latin vowels: one syllable per three letters is a fair guess.
  const letters = (lower.match(/\p{L}/gu) ?? []).length;
  const fromLetters = vowelGroups > 0 ? vowelGroups : Math.ceil(letters / 3);
  return Math.max(1, fromLetters + digits * 1.5);
}

/**
 * When each word is heard, from where the audio has sound.
 *
 * The rule: a speech engine pauses only at punctuation, so each pause found in
 * the audio is matched to the punctuation mark nearest to where the words'
 * weight expects it (in order); the words between two pauses share that stretch
 * of sound in proportion to their speaking weight (syllables, mostly). Pauses
 * beyond the number of punctuation marks are taken to be inside words (a long
 * "k") and ignored, shortest first.
 */
export function placeWords(options: { words: TextWord[]; speech: SpeechSegment[] }): SpokenWord[] {
  const { words } = options;
  if (words.length === 0) return [];
  const phraseEnds = words.flatMap((word, index) => (word.endsPhrase && index < words.length - 1 ? [index] : []));
  const speech = keepLongestPauses(options.speech, phraseEnds.length);
  if (speech.length === 0) return words.map(({ word }) => ({ word, start: 0, end: 0 }));

  const pauseAfterWord = matchPausesToPhraseEnds({ words, speech, phraseEnds });
  const placed: SpokenWord[] = [];
  let firstWord = 0;
  speech.forEach((segment, index) => {
    const lastWord = pauseAfterWord[index] ?? words.length - 1;
    placed.push(...spread(words.slice(firstWord, lastWord + 1), segment));
    firstWord = lastWord + 1;
  });
  return placed;
}

/** Joins the segments across their shortest pauses until at most `maxPauses` remain. */
function keepLongestPauses(speech: SpeechSegment[], maxPauses: number): SpeechSegment[] {
  const pauses = speech.slice(1).map((segment, index) => ({ after: index, length: segment.start - (speech[index]?.end ?? 0) }));
  const kept = new Set(
    pauses
      .sort((a, b) => b.length - a.length)
      .slice(0, maxPauses)
      .map((pause) => pause.after),
  );
  const joined: SpeechSegment[] = [];
  speech.forEach((segment, index) => {
    const last = joined.at(-1);
    if (last && !kept.has(index - 1)) last.end = segment.end;
    else joined.push({ ...segment });
  });
  return joined;
}

/**
 * For each pause (between speech[i] and speech[i + 1]), the index of the word it follows.
 * An ordered matching of pauses to phrase ends that minimises the total distance,
 * measured in seconds of sound (pauses left out), between where each pause is and
 * where the weight of the words before that phrase end says it should be.
 */
function matchPausesToPhraseEnds(options: { words: TextWord[]; speech: SpeechSegment[]; phraseEnds: number[] }): number[] {
  const { words, speech, phraseEnds } = options;
  const pauseCount = speech.length - 1;
  if (pauseCount === 0) return [];
  if (pauseCount === phraseEnds.length) return phraseEnds;

  const totalSound = speech.reduce((sum, segment) => sum + segment.end - segment.start, 0);
  const totalWeight = words.reduce((sum, word) => sum + word.weight, 0);
  const soundBeforePause = cumulative(speech.map((segment) => segment.end - segment.start)).slice(1);
  const weightThroughWord = cumulative(words.map((word) => word.weight)).slice(1);
  const expectedAt = phraseEnds.map((wordIndex) => ((weightThroughWord[wordIndex] ?? 0) / totalWeight) * totalSound);

  // cost[p][e]: best total distance with pause p at phrase end e; from[p][e]: where pause p - 1 went.
  const cost: number[][] = [];
  const from: number[][] = [];
  for (let p = 0; p < pauseCount; p++) {
    const previousRow = cost[p - 1];
    const row: number[] = [];
    const fromRow: number[] = [];
    // The best place for pause p - 1 among the phrase ends before e: pauses stay in order.
    let bestBefore = previousRow ? Infinity : 0;
    let bestBeforeAt = -1;
    phraseEnds.forEach((_, e) => {
      row.push(bestBefore + Math.abs((soundBeforePause[p] ?? 0) - (expectedAt[e] ?? 0)));
      fromRow.push(bestBeforeAt);
      const candidate = previousRow?.[e] ?? Infinity;
      if (candidate < bestBefore) {
        bestBefore = candidate;
        bestBeforeAt = e;
      }
    });
    cost.push(row);
    from.push(fromRow);
  }
  return backtrack({ cost, from }).map((e) => phraseEnds[e] ?? words.length - 1);
}

function backtrack(options: { cost: number[][]; from: number[][] }): number[] {
  const { cost, from } = options;
  const lastRow = cost.at(-1) ?? [];
  let at = lastRow.reduce((best, value, index) => (value < (lastRow[best] ?? Infinity) ? index : best), 0);
  const chosen: number[] = [];
  for (let p = cost.length - 1; p >= 0; p--) {
    chosen.unshift(at);
    at = from[p]?.[at] ?? -1;
  }
  return chosen;
}

/** Lays `words` end to end over `segment`, each as long as its share of the weight. */
function spread(words: TextWord[], segment: SpeechSegment): SpokenWord[] {
  const totalWeight = words.reduce((sum, word) => sum + word.weight, 0);
  const secondsPerWeight = (segment.end - segment.start) / totalWeight;
  let start = segment.start;
  return words.map(({ word, weight }, index) => {
    const end = index === words.length - 1 ? segment.end : start + weight * secondsPerWeight;
    const placed = { word, start, end };
    start = end;
    return placed;
  });
}

/** [0, a, a + b, ...]: running totals, starting from zero. */
function cumulative(values: number[]): number[] {
  const totals = [0];
  for (const value of values) totals.push((totals.at(-1) ?? 0) + value);
  return totals;
}
