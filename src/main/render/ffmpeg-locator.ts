import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import which from 'which';
import {
  checkCapabilities,
  parseEncoderNames,
  parseFfmpegVersion,
  parseFilterNames,
  type Capability,
} from './ffmpeg-capabilities';

const run = promisify(execFile);

export type FfmpegSource = 'env' | 'bundled' | 'path';

export interface FfmpegBinaries {
  ffmpegPath: string;
  ffprobePath: string | null;
  source: FfmpegSource;
}

export type FfmpegStatus =
  | { found: false; problem: string }
  | {
      found: true;
      ffmpegPath: string;
      ffprobePath: string | null;
      source: FfmpegSource;
      version: string;
      capabilities: Capability[];
      /** Human-readable list of what is missing, empty when FFmpeg has everything Kata needs. */
      missing: string[];
    };

export interface LocateOptions {
  env: Record<string, string | undefined>;
  /** Folder holding bundled binaries: `<resourcesDir>/ffmpeg/<platform>-<arch>/ffmpeg[.exe]`. */
  resourcesDir: string;
  platform?: NodeJS.Platform;
  arch?: string;
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Finds one tool: its env variable, then the bundled copy, then PATH. Throws when the env variable is wrong. */
async function locateTool(tool: 'ffmpeg' | 'ffprobe', options: LocateOptions): Promise<{ path: string; source: FfmpegSource } | null> {
  const platform = options.platform ?? process.platform;
  const arch = options.arch ?? process.arch;
  const envName = tool === 'ffmpeg' ? 'FFMPEG_PATH' : 'FFPROBE_PATH';
  const fromEnv = options.env[envName]?.trim();
  if (fromEnv) {
    if (!(await isExecutable(fromEnv))) {
      throw new Error(`${envName} is set to "${fromEnv}", which is not an executable file. Fix or unset ${envName}.`);
    }
    return { path: fromEnv, source: 'env' };
  }
  const exe = platform === 'win32' ? `${tool}.exe` : tool;
  const bundled = join(options.resourcesDir, 'ffmpeg', `${platform}-${arch}`, exe);
  if (await isExecutable(bundled)) return { path: bundled, source: 'bundled' };
  const onPath = await which(tool, { path: options.env.PATH ?? '', nothrow: true });
  return onPath ? { path: onPath, source: 'path' } : null;
}

export async function locateFfmpeg(options: LocateOptions): Promise<FfmpegBinaries | null> {
  const ffmpeg = await locateTool('ffmpeg', options);
  if (!ffmpeg) return null;
  const ffprobe = await locateTool('ffprobe', options);
  return { ffmpegPath: ffmpeg.path, ffprobePath: ffprobe?.path ?? null, source: ffmpeg.source };
}

async function ffmpegOutput(ffmpegPath: string, args: string[]): Promise<string> {
  const { stdout } = await run(ffmpegPath, ['-hide_banner', ...args], { timeout: 15_000, maxBuffer: 8 * 1024 * 1024 });
  return stdout;
}

/** Locates FFmpeg and asks it what it can do; never throws, the status says what is wrong. */
export async function probeFfmpeg(options: LocateOptions): Promise<FfmpegStatus> {
  let binaries: FfmpegBinaries | null;
  try {
    binaries = await locateFfmpeg(options);
  } catch (error) {
    return { found: false, problem: (error as Error).message };
  }
  if (!binaries) {
    return {
      found: false,
      problem: 'FFmpeg was not found. Install it (Debian/Ubuntu: apt-get install ffmpeg; macOS: brew install ffmpeg) or set FFMPEG_PATH.',
    };
  }
  try {
    const [versionText, encodersText, filtersText] = await Promise.all([
      ffmpegOutput(binaries.ffmpegPath, ['-version']),
      ffmpegOutput(binaries.ffmpegPath, ['-encoders']),
      ffmpegOutput(binaries.ffmpegPath, ['-filters']),
    ]);
    const version = parseFfmpegVersion(versionText);
    if (!version) {
      return { found: false, problem: `${binaries.ffmpegPath} did not answer -version like FFmpeg does.` };
    }
    const capabilities = checkCapabilities({
      encoders: parseEncoderNames(encodersText),
      filters: parseFilterNames(filtersText),
    });
    const missing = capabilities
      .filter((c) => !c.present)
      .map((c) => `${c.kind} ${c.name} (needed for ${c.purpose})`);
    if (!binaries.ffprobePath) missing.push('ffprobe (needed to read media files)');
    return { found: true, ...binaries, version, capabilities, missing };
  } catch (error) {
    return { found: false, problem: `${binaries.ffmpegPath} could not be run: ${(error as Error).message}` };
  }
}
