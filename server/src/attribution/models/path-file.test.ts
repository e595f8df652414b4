import { describe, expect, it } from 'vitest';
import { parsePathFile } from './path-file';

describe('path files', () => {
  it('reads rows with or without a header, skipping blank lines, a BOM and spaces around ">"', () => {
    const rows = '\uFEFFpath;total_conversions;total_conversion_value;total_null\n\nsearch>social >  Direct;2;99.5;7\n   \nemail;0;0;3\n';
    expect(parsePathFile(rows)).toEqual([
      { touches: [{ key: 'search' }, { key: 'social' }, { key: 'Direct', direct: true }], conversions: 2, value: 99.5, nulls: 7 },
      { touches: [{ key: 'email' }], conversions: 0, value: 0, nulls: 3 },
    ]);
    expect(parsePathFile('email;1;10;0')).toEqual([{ touches: [{ key: 'email' }], conversions: 1, value: 10, nulls: 0 }]);
    expect(parsePathFile('')).toEqual([]);
  });

  it('names the line and field of what is wrong', () => {
    expect(() => parsePathFile('search;1;10;0\n;1;10;0')).toThrow('line 2, field path: the path is empty.');
    expect(() => parsePathFile('search;1;-10;0')).toThrow('line 1, field total_conversion_value: "-10" is not a number ≥ 0.');
    expect(() => parsePathFile('search;1;10;')).toThrow('line 1, field total_null: "" is not a number ≥ 0.');
    expect(() => parsePathFile('a;b;c;d\nsearch;1;10')).toThrow('line 2: expected 4 fields separated by ";" (path;total_conversions;total_conversion_value;total_null), found 3.');
    expect(() => parsePathFile('search >;1;10;0')).toThrow('line 1, field path: channel 2 of "search >" has no name.');
  });
});
