import type { Credit } from './types';

/**
 * Credit per key, accumulated in journey order (so the same input always gives
 * the same floating-point sums). Keys are interned to small integers so the
 * models work on arrays, not on maps of strings.
 */
export class CreditTally {
  private readonly indexByKey = new Map<string, number>();
  readonly keys: string[] = [];
  private conversions: Float64Array = new Float64Array(16);
  private value: Float64Array = new Float64Array(16);

  /** The index of `key`, adding it (with no credit yet) when it is new. */
  index(key: string): number {
    let index = this.indexByKey.get(key);
    if (index === undefined) {
      index = this.keys.length;
      this.indexByKey.set(key, index);
      this.keys.push(key);
      if (index === this.conversions.length) {
        this.conversions = grow(this.conversions);
        this.value = grow(this.value);
      }
    }
    return index;
  }

  add(index: number, conversions: number, value: number): void {
    this.conversions[index]! += conversions;
    this.value[index]! += value;
  }

  /** Every key seen, sorted by key (code-unit order, so it does not depend on the locale). */
  credits(): Credit[] {
    return this.keys
      .map((key, i) => ({ key, conversions: this.conversions[i]!, value: this.value[i]! }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
}

function grow(array: Float64Array): Float64Array {
  const larger = new Float64Array(array.length * 2);
  larger.set(array);
  return larger;
}
