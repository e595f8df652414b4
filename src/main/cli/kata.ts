import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CompositionError } from '../../shared/composition/composition';
import { platformPresets, presetIds, type PresetId } from '../../shared/composition/presets';
import { reframeComposition } from '../../shared/composition/reframe';
import { parsePersona, type Persona } from '../../shared/influencer/persona';
import { parseScript, type Script } from '../../shared/influencer/script';
import { defaultDataDir } from '../data-dir';
import { makeInfluencerVideo } from '../influencer/video-maker';
import { probeMedia } from '../media/probe';
import { createStudioServices } from '../services';
import { compileComposition } from '../render/compile/compile-composition';
import { loadCompositionFile } from '../render/composition-file';
import { RenderCancelledError, RenderFailedError, runFfmpeg } from '../render/ffmpeg-runner';
import type { FfmpegInvocation } from '../render/invocation';
import { probeFfmpeg } from '../render/ffmpeg-locator';
import { progressLine } from './progress-bar';

/** Exit codes a script can rely on. */
export const exitCodes = { ok: 0, renderFailed: 1, usage: 2, badComposition: 3, ffmpegMissing: 4, cancelled: 130 } as const;

const usage = `Kata: render compositions with FFmpeg, offline.

Usage:
  kata render <composition.json> -o <out.mp4> [--preset NAME] [--mode fill|fit|blurred-pad] [--json]
  kata frame <composition.json> --time SECONDS -o <frame.jpg> [--height PIXELS]
  kata probe <media file> [--json]
  kata presets [--json]
  kata influencer render <persona.json> <script.json> --portrait <image> -o <out.mp4> [--preset NAME] [--music <audio>] [--broll <file>]... [--json]

Exit codes: 0 done, 1 the render failed, 2 wrong usage, 3 the composition has problems,
4 FFmpeg is missing or lacks something Kata needs, 130 cancelled (Ctrl+C).
FFmpeg is found through FFMPEG_PATH/FFPROBE_PATH, then resources/ffmpeg, then PATH.`;

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** A terminal gets a live progress bar; a pipe gets nothing until the end (or JSON lines with --json). */
  interactive: boolean;
  env: Record<string, string | undefined>;
  signal?: AbortSignal;
}

class UsageError extends Error {}

function appRoot(): string {
  // Source (src/main/cli) and build (out/main) both sit two or three folders below the app.
  for (const up of ['../..', '../../..']) {
    const root = resolve(__dirname, up);
    try {
      readFileSync(resolve(root, 'package.json'));
      return root;
    } catch {
      // keep looking
    }
  }
  return process.cwd();
}

async function ffmpeg(io: CliIo) {
  const status = await probeFfmpeg({ env: io.env, resourcesDir: resolve(appRoot(), 'resources') });
  if (!status.found) throw Object.assign(new Error(status.problem), { exitCode: exitCodes.ffmpegMissing });
  if (status.missing.length > 0) {
    throw Object.assign(new Error(`This FFmpeg lacks what Kata needs: ${status.missing.join('; ')}.`), { exitCode: exitCodes.ffmpegMissing });
  }
  return status;
}

async function renderCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { output: { type: 'string', short: 'o' }, preset: { type: 'string' }, mode: { type: 'string', default: 'fill' }, json: { type: 'boolean', default: false } },
  });
  const [file] = positionals;
  if (!file || !values.output) throw new UsageError('kata render needs a composition file and -o <output file>.');
  if (values.preset !== undefined && !presetIds.includes(values.preset as PresetId)) {
    throw new UsageError(`Unknown preset "${values.preset}". Run \`kata presets\` to see them.`);
  }
  if (!['fill', 'fit', 'blurred-pad'].includes(values.mode!)) throw new UsageError(`--mode is fill, fit or blurred-pad, not "${values.mode}".`);
  const status = await ffmpeg(io);
  let composition = await loadCompositionFile(file);
  if (values.preset) composition = reframeComposition(composition, values.preset as PresetId, values.mode as 'fill' | 'fit' | 'blurred-pad');
  const invocation = compileComposition(composition, { kind: 'video' });
  return renderVideo(io, { ffmpegPath: status.ffmpegPath, invocation, outputPath: values.output, json: values.json! });
}

/** Runs a video render with progress (JSON events, or a live line on a terminal) and says where it went. */
async function renderVideo(io: CliIo, job: { ffmpegPath: string; invocation: FfmpegInvocation; outputPath: string; json: boolean }): Promise<number> {
  const { invocation, json } = job;
  const emit = (event: object) => io.stdout(`${JSON.stringify(event)}\n`);
  let lastLine = 0;
  const result = await runFfmpeg({
    ffmpegPath: job.ffmpegPath,
    invocation,
    outputPath: job.outputPath,
    signal: io.signal,
    onProgress: (progress) => {
      if (json) return emit({ event: 'progress', ...progress });
      if (!io.interactive) return;
      const now = Date.now();
      if (now - lastLine < 100 && progress.state === 'rendering') return;
      lastLine = now;
      io.stderr(`\r${progressLine(progress)}\u001b[K`);
    },
  });
  const output = resolve(result.outputPath);
  if (json) emit({ event: 'done', output, seconds: result.seconds, durationSeconds: invocation.durationSeconds });
  else {
    if (io.interactive) io.stderr('\n');
    io.stdout(`Rendered ${output} (${invocation.durationSeconds.toFixed(2)} s of video in ${result.seconds.toFixed(1)} s)\n`);
  }
  return exitCodes.ok;
}

async function frameCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { output: { type: 'string', short: 'o' }, time: { type: 'string' }, height: { type: 'string', default: '540' } },
  });
  const [file] = positionals;
  const time = Number(values.time);
  const height = Number(values.height);
  if (!file || !values.output || values.time === undefined) throw new UsageError('kata frame needs a composition file, --time SECONDS and -o <image file>.');
  if (!Number.isFinite(time) || time < 0) throw new UsageError(`--time is seconds from the start, not "${values.time}".`);
  if (!Number.isInteger(height) || height < 16 || height > 4320) throw new UsageError(`--height is a whole number of pixels (16 to 4320), not "${values.height}".`);
  const status = await ffmpeg(io);
  const composition = await loadCompositionFile(file);
  const result = await runFfmpeg({ ffmpegPath: status.ffmpegPath, invocation: compileComposition(composition, { kind: 'frame', time, height }), outputPath: values.output, signal: io.signal });
  io.stdout(`${resolve(result.outputPath)}\n`);
  return exitCodes.ok;
}

async function probeCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean', default: false } } });
  const [file] = positionals;
  if (!file) throw new UsageError('kata probe needs a media file.');
  const status = await ffmpeg(io);
  if (!status.ffprobePath) throw Object.assign(new Error('ffprobe was not found next to FFmpeg; set FFPROBE_PATH.'), { exitCode: exitCodes.ffmpegMissing });
  const info = await probeMedia({ ffprobePath: status.ffprobePath, path: file });
  if (values.json) {
    io.stdout(`${JSON.stringify(info, null, 2)}\n`);
    return exitCodes.ok;
  }
  const lines = [`${info.path}`, `  ${info.kind}, ${info.container}${info.durationSeconds !== null ? `, ${info.durationSeconds.toFixed(3)} s` : ''}`];
  if (info.video) lines.push(`  video: ${info.video.codec} ${info.video.width}x${info.video.height}${info.video.fps ? ` @ ${Number(info.video.fps.toFixed(3))} fps` : ''}${info.video.rotation ? `, rotated ${info.video.rotation}°` : ''}${info.video.hasAlpha ? ', with alpha' : ''}`);
  for (const audio of info.audio) lines.push(`  audio: ${audio.codec} ${audio.sampleRate} Hz, ${audio.channels} channel${audio.channels === 1 ? '' : 's'}`);
  io.stdout(`${lines.join('\n')}\n`);
  return exitCodes.ok;
}

function presetsCommand(args: string[], io: CliIo): number {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean', default: false } } });
  if (values.json) {
    io.stdout(`${JSON.stringify(platformPresets, null, 2)}\n`);
    return exitCodes.ok;
  }
  const rows = platformPresets.map((p) => `  ${p.id.padEnd(24)} ${`${p.width}x${p.height}`.padEnd(10)} ${String(p.fps).padStart(2)} fps  up to ${p.maxDurationSeconds} s  ${p.label}`);
  io.stdout(`Presets:\n${rows.join('\n')}\n`);
  return exitCodes.ok;
}

async function readJson(file: string, what: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`Cannot read the ${what} ${file}: ${(error as Error).message}`);
  }
}

async function influencerRenderCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { output: { type: 'string', short: 'o' }, preset: { type: 'string' }, portrait: { type: 'string' }, music: { type: 'string' }, broll: { type: 'string', multiple: true }, json: { type: 'boolean', default: false } },
  });
  const [personaFile, scriptFile] = positionals;
  if (!personaFile || !scriptFile || !values.output || !values.portrait) throw new UsageError('kata influencer render needs a persona file, a script file, --portrait <image> and -o <output file>.');
  let persona: Persona;
  let script: Script;
  try {
    persona = parsePersona(await readJson(personaFile, 'persona'));
    script = parseScript(await readJson(scriptFile, 'script'));
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw Object.assign(new Error((error as Error).message), { exitCode: exitCodes.badComposition });
  }
  const preset = (values.preset ?? persona.platforms[0] ?? 'tiktok') as PresetId;
  if (!presetIds.includes(preset)) throw new UsageError(`Unknown preset "${preset}". Run \`kata presets\` to see them.`);
  const status = await ffmpeg(io);
  const services = createStudioServices({ appVersion: 'cli', runtime: 'browser-host', ffmpeg: { env: io.env, resourcesDir: resolve(appRoot(), 'resources') }, hub: { url: null }, dataDir: defaultDataDir(io.env) });
  const { compositions } = await makeInfluencerVideo({ services, persona, script, presets: [preset], portraitPath: resolve(values.portrait), musicPath: values.music ? resolve(values.music) : undefined, brollPaths: (values.broll ?? []).map((p) => resolve(p)), signal: io.signal });
  const invocation = compileComposition(compositions[0]!, { kind: 'video', ...(io.env.KATA_ENCODER_PRESET ? { encoder: { preset: io.env.KATA_ENCODER_PRESET } } : {}) });
  return renderVideo(io, { ffmpegPath: status.ffmpegPath, invocation, outputPath: values.output, json: values.json! });
}

/** Runs one `kata` command; never throws, returns the exit code. */
export async function runKata(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'render':
        return await renderCommand(rest, io);
      case 'frame':
        return await frameCommand(rest, io);
      case 'probe':
        return await probeCommand(rest, io);
      case 'presets':
        return presetsCommand(rest, io);
      case 'influencer':
        if (rest[0] !== 'render') throw new UsageError('kata influencer has one command: render.');
        return await influencerRenderCommand(rest.slice(1), io);
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        io.stdout(`${usage}\n`);
        return command === undefined ? exitCodes.usage : exitCodes.ok;
      default:
        throw new UsageError(`Unknown command "${command}".`);
    }
  } catch (error) {
    return report(error, io, argv.includes('--json'));
  }
}

function report(error: unknown, io: CliIo, json: boolean): number {
  const fail = (code: number, message: string, extra: object = {}) => {
    if (json) io.stdout(`${JSON.stringify({ event: 'error', code, message, ...extra })}\n`);
    else io.stderr(`${io.interactive ? '\n' : ''}kata: ${message}\n`);
    return code;
  };
  if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    return fail(exitCodes.usage, `${(error as Error).message}\n\n${usage}`);
  }
  if (error instanceof CompositionError) return fail(exitCodes.badComposition, error.message, { issues: error.issues });
  if (error instanceof RenderCancelledError) return fail(exitCodes.cancelled, 'cancelled; no output file was written.');
  if (error instanceof RenderFailedError) return fail(exitCodes.renderFailed, error.message);
  const exitCode = (error as { exitCode?: number }).exitCode;
  return fail(exitCode ?? exitCodes.renderFailed, (error as Error).message ?? String(error));
}
