import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFfmpeg } from '../render/ffmpeg-runner';

/** One frame of a source file at `time` (seconds into the file), `height` pixels high, as a JPEG data URL. */
export async function sourceFrame(options: { ffmpegPath: string; path: string; time: number; height: number; still: boolean }): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'kata-source-frame-'));
  try {
    const outputPath = join(folder, 'frame.jpg');
    await runFfmpeg({
      ffmpegPath: options.ffmpegPath,
      invocation: {
        inputs: [{ path: options.path, options: options.still ? [] : ['-ss', Math.max(0, options.time).toFixed(3)] }],
        filterGraph: `[0:v]scale=w=-2:h=${options.height},format=yuvj420p[frame]`,
        outputOptions: ['-map', '[frame]', '-frames:v', '1', '-q:v', '4'],
        files: [],
        durationSeconds: 0.04,
      },
      outputPath,
    });
    return `data:image/jpeg;base64,${(await readFile(outputPath)).toString('base64')}`;
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
