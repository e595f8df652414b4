/** What Kata needs from FFmpeg, and why: shown to the user when something is missing. */
export const requiredCapabilities = [
  { kind: 'encoder', name: 'libx264', purpose: 'H.264 video export' },
  { kind: 'encoder', name: 'aac', purpose: 'AAC audio export' },
  { kind: 'filter', name: 'overlay', purpose: 'layers, picture-in-picture and watermarks' },
  { kind: 'filter', name: 'xfade', purpose: 'morph transitions' },
  { kind: 'filter', name: 'hstack', purpose: 'side-by-side split screen' },
  { kind: 'filter', name: 'vstack', purpose: 'stacked split screen' },
  { kind: 'filter', name: 'lut3d', purpose: '3D LUT colour looks (.cube)' },
  { kind: 'filter', name: 'subtitles', purpose: 'captions rendered with libass' },
  { kind: 'filter', name: 'drawtext', purpose: 'text layers' },
] as const satisfies readonly { kind: 'encoder' | 'filter'; name: string; purpose: string }[];

export interface Capability {
  kind: 'encoder' | 'filter';
  name: string;
  purpose: string;
  present: boolean;
}

/** `ffmpeg -version` first line: "ffmpeg version 5.1.6-0+deb12u1 Copyright ..." */
export function parseFfmpegVersion(versionOutput: string): string | null {
  const match = /^\S+ version (\S+)/m.exec(versionOutput);
  return match?.[1] ?? null;
}

/** Names from `ffmpeg -encoders`: rows like " V....D libx264   libx264 H.264 ..." after the "------" rule. */
export function parseEncoderNames(encodersOutput: string): Set<string> {
  const names = new Set<string>();
  const body = encodersOutput.split(/^\s*-{6}\s*$/m)[1] ?? '';
  for (const line of body.split('\n')) {
    const match = /^\s*[VASFXBD.]{6}\s+(\S+)/.exec(line);
    if (match?.[1]) names.add(match[1]);
  }
  return names;
}

/** Names from `ffmpeg -filters`: rows like " TSC xfade   VV->V   Cross fade ...". */
export function parseFilterNames(filtersOutput: string): Set<string> {
  const names = new Set<string>();
  for (const line of filtersOutput.split('\n')) {
    const match = /^\s*[TSC.]{3}\s+(\S+)\s+\S*->\S*\s/.exec(line);
    if (match?.[1]) names.add(match[1]);
  }
  return names;
}

export function checkCapabilities(found: { encoders: Set<string>; filters: Set<string> }): Capability[] {
  return requiredCapabilities.map((capability) => ({
    ...capability,
    present: (capability.kind === 'encoder' ? found.encoders : found.filters).has(capability.name),
  }));
}
