import { checkHub, type HubSetting, type HubStatus } from './hub/hub-status';
import { probeFfmpeg, type FfmpegStatus, type LocateOptions } from './render/ffmpeg-locator';

export type StudioRuntime = 'electron' | 'browser-host';

/** What the router's procedures work with; one instance per running Studio. */
export interface StudioServices {
  appVersion: string;
  runtime: StudioRuntime;
  /** FFmpeg's status, probed once and re-probed on request. */
  ffmpegStatus(options?: { refresh?: boolean }): Promise<FfmpegStatus>;
  hubStatus(): Promise<HubStatus>;
}

export function createStudioServices(options: {
  appVersion: string;
  runtime: StudioRuntime;
  ffmpeg: LocateOptions;
  hub: HubSetting;
}): StudioServices {
  let ffmpeg: Promise<FfmpegStatus> | null = null;
  return {
    appVersion: options.appVersion,
    runtime: options.runtime,
    ffmpegStatus({ refresh = false } = {}) {
      if (!ffmpeg || refresh) ffmpeg = probeFfmpeg(options.ffmpeg);
      return ffmpeg;
    },
    hubStatus: () => checkHub(options.hub),
  };
}
