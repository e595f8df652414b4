/**
 * One FFmpeg run, as the compiler describes it and the runner executes it:
 * inputs, one filter graph, output options. Paths in `inputs` are absolute;
 * `files` are written into the run's working folder (the runner's cwd), so
 * the graph names them by bare file name (e.g. `subtitles=filename=captions.ass`).
 */
export interface FfmpegInvocation {
  inputs: { path: string; options: string[] }[];
  /** The whole `filter_complex`, passed through `-filter_complex_script` so no command line grows too long. */
  filterGraph: string;
  /** Everything after the graph and before the output file: -map, codecs, -t, -movflags ... */
  outputOptions: string[];
  files: { name: string; contents: string }[];
  /** The composition's own duration: progress is measured against it. */
  durationSeconds: number;
}

export interface RenderProgress {
  state: 'starting' | 'rendering' | 'finalising' | 'done';
  /** 0..1 of the composition's duration. */
  fraction: number;
  /** Frames per second FFmpeg reports, when it does. */
  fps: number | null;
  /** Times realtime ("speed=2.5x"), when FFmpeg reports it. */
  speed: number | null;
  /** Seconds left at the current speed, when it can be told. */
  etaSeconds: number | null;
}
