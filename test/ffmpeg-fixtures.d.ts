/** The real FFmpeg on this machine (tests use it, never a fake). */
export declare const systemFfmpeg: string;
export declare const systemFfprobe: string;
export declare function tempDir(prefix: string): Promise<string>;
/** A folder holding `ffmpeg` and `ffprobe` links to the real ones, for PATH tests. */
export declare function binFolder(): Promise<string>;
/**
 * A real FFmpeg whose filter list hides some filters: what a build without
 * libass or libfreetype looks like from outside.
 */
export declare function ffmpegWithout(filters: string[]): Promise<string>;
/** Lays out `<resources>/ffmpeg/<platform>-<arch>/{ffmpeg,ffprobe}` as a packaged app would. */
export declare function bundledResources(platform: string, arch: string): Promise<string>;
