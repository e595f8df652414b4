import { num } from './filter-graph';

/** The `-i` inputs of one invocation, in order; a stream is addressed as `<index>:v` / `<index>:a`. */
export class InputList {
  readonly entries: { path: string; options: string[] }[] = [];

  add(path: string, options: string[]): number {
    this.entries.push({ path, options });
    return this.entries.length - 1;
  }

  /** A stretch of a video or audio file, seeked at the input (fast and frame-accurate when re-encoding). */
  addSpan(path: string, from: number, seconds: number): number {
    return this.add(path, [...(from > 0 ? ['-ss', num(from)] : []), '-t', num(seconds)]);
  }

  /** A still image, decoded once (the graph loops it). */
  addStill(path: string, fps: number): number {
    return this.add(path, ['-framerate', num(fps)]);
  }
}
