export interface VideoFixture {
    seconds: number;
    width: number;
    height: number;
    fps?: number;
    /** A solid colour (e.g. "red", "#00ff00") instead of the moving test pattern. */
    color?: string;
    /** A sine tone in the audio track, or no audio track. */
    toneHz?: number | null;
}
/** A short H.264 video: FFmpeg's testsrc2 pattern (or a solid colour), with an optional sine tone. */
export declare function makeVideo(v: VideoFixture): Promise<string>;
/** A PNG: a solid colour, optionally with a transparent border of `inset` pixels (to test alpha). */
export declare function makeImage(i: {
    width: number;
    height: number;
    color: string;
    inset?: number;
}): Promise<string>;
/** A mono sine tone as AAC in .m4a, e.g. a voice or music stand-in. */
export declare function makeAudio(a: {
    seconds: number;
    hz: number;
}): Promise<string>;
