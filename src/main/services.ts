import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createFileVault, type TokenVault } from './auth/token-vault';
import { createHubAccount, type HubAccountService } from './hub/hub-account';
import { hubSettingsFile } from './hub/hub-settings';
import { createRenderPreviewUploads, type RenderPreviewUploads } from './hub/render-preview-uploads';
import { makePreviewClip, previewPathOf } from './media/preview-clip';
import { checkHub, type HubSetting, type HubStatus } from './hub/hub-status';
import { probeFfmpeg, type FfmpegStatus, type LocateOptions } from './render/ffmpeg-locator';
import { createMediaLibrary, type MediaLibrary } from './media/library';
import { createProxyStore, type ProxyStore } from './media/proxies';
import { createRenderQueue, type RenderQueue } from './render/render-queue';

export type StudioRuntime = 'electron' | 'browser-host';

export class FfmpegUnavailableError extends Error {
  override name = 'FfmpegUnavailableError';
}

/** What the router's procedures work with; one instance per running Studio. */
/** What only the desktop app can do: the system's file dialog, file manager and player. */
export interface DesktopShell {
  pickMediaFiles(): Promise<string[]>;
  openPath(path: string): Promise<void>;
  showInFolder(path: string): void;
  /** Opens an http(s) page in the system browser (the Hub's sign-in page). */
  openExternal(url: string): Promise<void>;
}

export class DesktopOnlyError extends Error {
  override name = 'DesktopOnlyError';
}

export interface StudioServices {
  appVersion: string;
  runtime: StudioRuntime;
  /** The key for the AI chat endpoint (KATA_AI_API_KEY), kept in main and never sent to the renderer. */
  aiApiKey: string | undefined;
  /** The hosted voice service (KATA_TTS_URL, KATA_TTS_API_KEY), for personas whose voice engine is "http". */
  speechService: { baseUrl: string; apiKey?: string } | undefined;
  /** The desktop's shell, or an error that says this needs the desktop app. */
  desktop(): DesktopShell;
  /** Where Studio keeps its own files (render queue, logs). */
  dataDir: string;
  /** FFmpeg's status, probed once and re-probed on request. */
  ffmpegStatus(options?: { refresh?: boolean }): Promise<FfmpegStatus>;
  /** The FFmpeg and ffprobe to run, or an error that says how to get them. */
  ffmpegBinaries(): Promise<{ ffmpegPath: string; ffprobePath: string }>;
  /** The render queue, started on first use (it resumes jobs a crash interrupted). */
  renderQueue(): Promise<RenderQueue>;
  /** Small editing copies of videos, for fast preview frames. */
  proxies(): Promise<ProxyStore>;
  /** Each campaign's imported media, copied under `<dataDir>/library`. */
  mediaLibrary(): Promise<MediaLibrary>;
  hubStatus(): Promise<HubStatus>;
  /** The person's Hub account: sign-in, renewal, sign-out; its tokens never leave main. */
  hubAccount: HubAccountService;
  /** Preview clips of finished renders waiting to go to the Hub; flushed after each sync push. */
  previewUploads(): Promise<RenderPreviewUploads>;
  close(): Promise<void>;
}

export function createStudioServices(options: {
  appVersion: string;
  runtime: StudioRuntime;
  ffmpeg: LocateOptions;
  /** KATA_HUB_URL: the Hub address until one is chosen in Settings. */
  hub: HubSetting;
  dataDir: string;
  /** Where the Hub sign-in is kept: the OS keychain in Electron; a private file in the data dir otherwise. */
  tokenVault?: TokenVault;
  /** Made by the services unless a test brings its own (e.g. against another authorization server). */
  hubAccount?: HubAccountService;
  desktop?: DesktopShell;
  aiApiKey?: string;
  speechService?: { baseUrl: string; apiKey?: string };
  /** x264 speed for queued renders (e.g. 'ultrafast' for drafts and tests); the preset's own otherwise. */
  encoderPreset?: string;
  onWarning?: (message: string) => void;
}): StudioServices {
  let ffmpeg: Promise<FfmpegStatus> | null = null;
  let queue: Promise<RenderQueue> | null = null;
  let library: Promise<MediaLibrary> | null = null;
  let proxyStore: Promise<ProxyStore> | null = null;
  let previewUploads: Promise<RenderPreviewUploads> | null = null;
  const ffmpegStatus = ({ refresh = false } = {}) => {
    if (!ffmpeg || refresh) ffmpeg = probeFfmpeg(options.ffmpeg);
    return ffmpeg;
  };
  const ffmpegBinaries = async () => {
    const status = await ffmpegStatus();
    if (!status.found) throw new FfmpegUnavailableError(status.problem);
    if (!status.ffprobePath) throw new FfmpegUnavailableError('ffprobe was not found next to FFmpeg. Install the full FFmpeg package or set FFPROBE_PATH.');
    return { ffmpegPath: status.ffmpegPath, ffprobePath: status.ffprobePath };
  };
  const hubAccount =
    options.hubAccount ??
    createHubAccount({
      vault: options.tokenVault ?? createFileVault(join(options.dataDir, 'hub-session.json')),
      settingsFile: hubSettingsFile(options.dataDir),
      defaultSetting: options.hub,
      openBrowser: options.desktop && ((url) => options.desktop!.openExternal(url)),
      onWarning: options.onWarning,
    });
  const previewUploadsOnce = () => {
    previewUploads ??= createRenderPreviewUploads({ account: hubAccount, stateFile: join(options.dataDir, 'preview-uploads.json'), onWarning: options.onWarning }).catch((error: unknown) => {
      previewUploads = null;
      throw error;
    });
    return previewUploads;
  };
  return {
    appVersion: options.appVersion,
    runtime: options.runtime,
    dataDir: options.dataDir,
    aiApiKey: options.aiApiKey,
    speechService: options.speechService,
    desktop() {
      if (!options.desktop) throw new DesktopOnlyError('This needs the Kata Studio desktop app; in a browser, use Import… and Open instead.');
      return options.desktop;
    },
    ffmpegStatus,
    ffmpegBinaries,
    renderQueue() {
      queue ??= (async () => {
        const { ffmpegPath } = await ffmpegBinaries();
        await mkdir(options.dataDir, { recursive: true });
        const created = createRenderQueue({
          stateFile: join(options.dataDir, 'render-queue.json'),
          logDir: join(options.dataDir, 'render-logs'),
          ffmpegPath,
          ...(options.encoderPreset ? { encoder: { preset: options.encoderPreset } } : {}),
          onWarning: options.onWarning,
          // A short preview beside each finished render, for review on the Hub; sent now if Studio is connected, else on a later sync.
          onDone: async (job) => {
            const clip = await makePreviewClip({ ffmpegPath, path: job.outputPath, outputPath: previewPathOf(job.outputPath) });
            const uploads = await previewUploadsOnce();
            await uploads.add({ renderId: job.id, previewPath: clip.outputPath });
            if ((await hubAccount.current()).state === 'signed-in') await uploads.flush();
          },
        });
        await created.start();
        return created;
      })().catch((error: unknown) => {
        queue = null;
        throw error;
      });
      return queue;
    },
    proxies() {
      // One store, so a proxy being made is never started twice.
      proxyStore ??= ffmpegBinaries()
        .then(({ ffmpegPath }) => createProxyStore({ ffmpegPath, dir: join(options.dataDir, 'proxies') }))
        .catch((error: unknown) => {
          proxyStore = null;
          throw error;
        });
      return proxyStore;
    },
    mediaLibrary() {
      library ??= (async () => {
        const { ffprobePath } = await ffmpegBinaries();
        return createMediaLibrary({ dir: join(options.dataDir, 'library'), ffprobePath, proxies: await this.proxies(), onWarning: options.onWarning });
      })().catch((error: unknown) => {
        library = null;
        throw error;
      });
      return library;
    },
    hubStatus: async () => checkHub(await hubAccount.setting()),
    hubAccount,
    previewUploads: previewUploadsOnce,
    async close() {
      hubAccount.close();
      if (queue) await (await queue).close();
    },
  };
}
