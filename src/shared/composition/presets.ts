/**
 * Platform presets: output size, frame rate, encoding, the longest video the
 * platform takes, loudness target, and the safe area (in pixels from each
 * edge) that the platform's own buttons and captions leave free.
 */
export interface PlatformPreset {
  id: string;
  label: string;
  width: number;
  height: number;
  fps: number;
  maxDurationSeconds: number;
  safeArea: { top: number; bottom: number; left: number; right: number };
  /** Integrated loudness the mix is normalised to (LUFS). */
  loudnessLufs: number;
  video: { codec: 'libx264'; profile: 'high'; pixelFormat: 'yuv420p'; crf: number; preset: string };
  audio: { codec: 'aac'; sampleRate: 48000; bitrateKbps: number };
}

const h264 = { codec: 'libx264', profile: 'high', pixelFormat: 'yuv420p', crf: 20, preset: 'medium' } as const;
const aac = { codec: 'aac', sampleRate: 48000, bitrateKbps: 192 } as const;

export const platformPresets = [
  { id: 'tiktok', label: 'TikTok', width: 1080, height: 1920, fps: 30, maxDurationSeconds: 600, safeArea: { top: 160, bottom: 480, left: 60, right: 140 }, loudnessLufs: -14, video: h264, audio: aac },
  { id: 'instagram-reels', label: 'Instagram Reels', width: 1080, height: 1920, fps: 30, maxDurationSeconds: 180, safeArea: { top: 220, bottom: 420, left: 60, right: 120 }, loudnessLufs: -14, video: h264, audio: aac },
  { id: 'youtube-shorts', label: 'YouTube Shorts', width: 1080, height: 1920, fps: 30, maxDurationSeconds: 180, safeArea: { top: 180, bottom: 400, left: 60, right: 140 }, loudnessLufs: -14, video: h264, audio: aac },
  { id: 'instagram-feed-portrait', label: 'Instagram feed 4:5', width: 1080, height: 1350, fps: 30, maxDurationSeconds: 3600, safeArea: { top: 60, bottom: 60, left: 60, right: 60 }, loudnessLufs: -14, video: h264, audio: aac },
  { id: 'instagram-feed-square', label: 'Instagram feed 1:1', width: 1080, height: 1080, fps: 30, maxDurationSeconds: 3600, safeArea: { top: 60, bottom: 60, left: 60, right: 60 }, loudnessLufs: -14, video: h264, audio: aac },
  { id: 'youtube', label: 'YouTube', width: 1920, height: 1080, fps: 30, maxDurationSeconds: 43_200, safeArea: { top: 54, bottom: 54, left: 96, right: 96 }, loudnessLufs: -14, video: h264, audio: aac },
  { id: 'linkedin-square', label: 'LinkedIn 1:1', width: 1080, height: 1080, fps: 30, maxDurationSeconds: 600, safeArea: { top: 54, bottom: 54, left: 54, right: 54 }, loudnessLufs: -14, video: h264, audio: aac },
  { id: 'linkedin-landscape', label: 'LinkedIn 16:9', width: 1920, height: 1080, fps: 30, maxDurationSeconds: 600, safeArea: { top: 54, bottom: 54, left: 96, right: 96 }, loudnessLufs: -14, video: h264, audio: aac },
  { id: 'x', label: 'X', width: 1280, height: 720, fps: 30, maxDurationSeconds: 140, safeArea: { top: 36, bottom: 36, left: 64, right: 64 }, loudnessLufs: -14, video: h264, audio: aac },
] as const satisfies readonly PlatformPreset[];

export type PresetId = (typeof platformPresets)[number]['id'];
export const presetIds = platformPresets.map((p) => p.id) as [PresetId, ...PresetId[]];

export function presetById(id: PresetId): PlatformPreset {
  const preset = platformPresets.find((p) => p.id === id);
  if (!preset) throw new Error(`Unknown preset "${id}". Known presets: ${presetIds.join(', ')}`);
  return preset;
}
