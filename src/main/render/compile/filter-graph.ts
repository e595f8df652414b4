/**
 * Builds an FFmpeg filter graph as text, one chain per line, with labels that
 * say what each stream is (`[clip-intro]`, `[track0]`), so a reader can follow it.
 */
export class FilterGraph {
  private readonly chains: string[] = [];
  private readonly used = new Set<string>();

  /** A fresh label based on `name`: letters, digits and dashes only. */
  label(name: string): string {
    const base = name.replace(/[^A-Za-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'stream';
    let label = base;
    for (let n = 2; this.used.has(label); n++) label = `${base}-${n}`;
    this.used.add(label);
    return label;
  }

  /** Adds `[in1][in2]filter1,filter2[out]` and returns `out`. */
  chain(inputs: string[], filters: string[], output: string): string {
    const body = filters.length > 0 ? filters.join(',') : 'null';
    this.chains.push(`${inputs.map((i) => `[${i}]`).join('')}${body}[${output}]`);
    return output;
  }

  toString(): string {
    return this.chains.join(';\n');
  }
}

/** Quotes a filter option value (paths, text) for the filter graph parser. */
export function quoteValue(value: string): string {
  // Inside '...' nothing is special except the quote itself, which is closed, escaped and reopened.
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "'\\''")}'`;
}

/** A number as FFmpeg reads it: fixed, short, never in exponent form. */
export function num(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`Not a finite number: ${value}`);
  const rounded = Math.round(value * 1e6) / 1e6;
  return Object.is(rounded, -0) ? '0' : String(rounded);
}

/** #rrggbb or #rrggbbaa as FFmpeg's 0xRRGGBB[@alpha]. */
export function ffmpegColor(hex: string): string {
  const rgb = hex.slice(1, 7);
  const alpha = hex.length === 9 ? parseInt(hex.slice(7, 9), 16) / 255 : 1;
  return alpha < 1 ? `0x${rgb}@${num(alpha)}` : `0x${rgb}`;
}

/** An even number of pixels, at least 2 (yuv420p and H.264 need even sizes). */
export function even(value: number): number {
  return Math.max(2, Math.round(value / 2) * 2);
}
