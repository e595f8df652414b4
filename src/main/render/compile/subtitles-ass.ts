import type { TextClip, TextStyle } from '../../../shared/composition/schema';

/** ASS colour: &HAABBGGRR with alpha inverted (00 is opaque). */
function assColor(hex: string): string {
  const r = hex.slice(1, 3);
  const g = hex.slice(3, 5);
  const b = hex.slice(5, 7);
  const alpha = hex.length === 9 ? 255 - parseInt(hex.slice(7, 9), 16) : 0;
  return `&H${alpha.toString(16).padStart(2, '0')}${b}${g}${r}`.toUpperCase();
}

function assTime(seconds: number): string {
  const cs = Math.max(0, Math.round(seconds * 100));
  const h = Math.floor(cs / 360_000);
  const m = Math.floor((cs % 360_000) / 6000);
  const s = Math.floor((cs % 6000) / 100);
  return `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}.${String(cs % 100).padStart(2, '0')}`;
}

/** Text as ASS dialogue text: line breaks become \N; braces would start override tags, so they become parentheses. */
function assText(text: string): string {
  return text.replace(/\r?\n/g, '\\N').replace(/\{/g, '(').replace(/\}/g, ')');
}

interface StyleLine {
  name: string;
  style: TextStyle;
  scale: number;
  /** ASS numpad alignment: 1-3 bottom, 4-6 middle, 7-9 top. */
  alignment: number;
  margins: { left: number; right: number; vertical: number };
}

function styleLine(s: StyleLine): string {
  const { style } = s;
  const boxed = style.background !== undefined;
  return [
    `Style: ${s.name}`,
    style.font,
    Math.round(style.size * s.scale),
    assColor(style.color),
    assColor(style.color),
    // With an opaque box (BorderStyle 3) libass paints the box in the outline colour.
    assColor(boxed ? style.background! : style.outlineColor),
    assColor(style.background ?? '#00000000'),
    style.bold ? -1 : 0,
    style.italic ? -1 : 0,
    0,
    0,
    100,
    100,
    0,
    0,
    boxed ? 3 : 1,
    // For a box, the outline width is its padding around the text.
    Math.round((boxed ? Math.max(style.outline, style.size * 0.3) : style.outline) * s.scale * 10) / 10,
    0,
    s.alignment,
    Math.round(s.margins.left),
    Math.round(s.margins.right),
    Math.round(s.margins.vertical),
    1,
  ].join(',');
}

function document(width: number, height: number, styles: string[], events: string[]): string {
  return [
    '[Script Info]',
    'ScriptType: v4.00+',
    `PlayResX: ${width}`,
    `PlayResY: ${height}`,
    'WrapStyle: 0',
    'ScaledBorderAndShadow: yes',
    '',
    '[V4+ Styles]',
    'Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding',
    ...styles,
    '',
    '[Events]',
    'Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text',
    ...events,
    '',
  ].join('\n');
}

/** Styled text layers of one track, placed at their anchor points on the canvas. */
export function textLayersAss(options: { clips: TextClip[]; width: number; height: number; scale: number; timeShift: number }): string {
  const alignment = { left: 4, center: 5, right: 6 } as const;
  const styles = options.clips.map((clip, i) =>
    styleLine({ name: `T${i}`, style: clip.style, scale: options.scale, alignment: alignment[clip.align], margins: { left: 0, right: 0, vertical: 0 } }),
  );
  const events = options.clips.map((clip, i) => {
    const start = clip.start - options.timeShift;
    const fade = clip.fadeIn > 0 || clip.fadeOut > 0 ? `\\fad(${Math.round(clip.fadeIn * 1000)},${Math.round(clip.fadeOut * 1000)})` : '';
    const pos = `\\an${alignment[clip.align]}\\pos(${Math.round(clip.x * options.scale)},${Math.round(clip.y * options.scale)})`;
    return `Dialogue: 0,${assTime(start)},${assTime(start + clip.duration)},T${i},,0,0,0,,{${pos}${fade}}${assText(clip.text)}`;
  });
  return document(options.width, options.height, styles, events);
}

/** Timed captions, wrapped and kept inside the safe area of the output. */
export function captionsAss(options: {
  cues: { start: number; end: number; text: string; words?: { text: string; start: number; end: number }[] }[];
  style: TextStyle;
  /** Word-by-word captions: the spoken word in this colour, the rest in the style's colour. */
  highlight?: string;
  position: 'bottom' | 'middle' | 'top';
  width: number;
  height: number;
  scale: number;
  safeArea: { top: number; bottom: number; left: number; right: number };
  timeShift: number;
}): string {
  const { safeArea, position } = options;
  const alignment = position === 'bottom' ? 2 : position === 'middle' ? 5 : 8;
  const vertical = position === 'top' ? safeArea.top : position === 'bottom' ? safeArea.bottom : 0;
  // Karaoke captions: ASS paints sung syllables in the primary colour and the rest in the secondary one.
  const captionStyle = options.highlight ? { ...options.style, color: options.highlight } : options.style;
  let style = styleLine({ name: 'Caption', style: captionStyle, scale: options.scale, alignment, margins: { left: safeArea.left, right: safeArea.right, vertical } });
  if (options.highlight) {
    const fields = style.split(',');
    fields[4] = assColor(options.style.color);
    style = fields.join(',');
  }
  const text = (cue: (typeof options.cues)[number]) => {
    if (!options.highlight || !cue.words?.length) return assText(cue.text);
    let at = cue.start;
    return cue.words
      .map((word) => {
        const lead = Math.max(0, Math.round((word.start - at) * 100));
        const sung = Math.max(1, Math.round((word.end - Math.max(word.start, at)) * 100));
        at = Math.max(at, word.end);
        return `${lead > 0 ? `{\\k${lead}}` : ''}{\\k${sung}}${assText(word.text)}`;
      })
      .join(' ');
  };
  const events = options.cues.map((cue) => `Dialogue: 0,${assTime(cue.start - options.timeShift)},${assTime(cue.end - options.timeShift)},Caption,,0,0,0,,${text(cue)}`);
  return document(options.width, options.height, [style], events);
}
