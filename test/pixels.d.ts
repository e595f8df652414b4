export type Rgb = [number, number, number];
/** One decoded frame of a file at `time`, as RGB pixels to look at. */
export interface Frame {
    width: number;
    height: number;
    /** Mean colour of a box around (x, y), `radius` pixels each way. */
    at(x: number, y: number, radius?: number): Rgb;
}
export declare function frameAt(file: string, time: number): Promise<Frame>;
/** True when two colours are within `tolerance` on every channel (video coding shifts colours a little). */
export declare function near(actual: Rgb, expected: Rgb, tolerance?: number): boolean;
export declare const colors: {
    red: Rgb;
    green: Rgb;
    blue: Rgb;
    yellow: Rgb;
    white: Rgb;
    black: Rgb;
};
export interface ProbedOutput {
    durationSeconds: number;
    video: {
        codec: string;
        profile: string;
        width: number;
        height: number;
        fps: number;
        pixelFormat: string;
    };
    audio: {
        codec: string;
        sampleRate: number;
        channels: number;
    } | null;
    /** True when the moov atom comes before the media data (faststart). */
    fastStart: boolean;
}
export declare function probeOutput(file: string): Promise<ProbedOutput>;
/** Integrated loudness (LUFS) of a file's sound, measured by FFmpeg's ebur128 filter. */
export declare function loudness(file: string): Promise<number>;
/** Mean volume (dB) of one frequency band of the sound between `from` and `to` seconds (e.g. the music under a voice). */
export declare function bandVolume(file: string, hz: number, from: number, to: number): Promise<number>;
