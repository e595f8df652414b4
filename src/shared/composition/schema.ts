import { z } from 'zod';
import { animatable } from './animation';
import { presetIds } from './presets';
import { transitionKinds } from './transitions';

export const COMPOSITION_VERSION = 1;

const id = z.string().min(1, 'an id cannot be empty').max(64);
const seconds = z.number().min(0, 'times are in seconds and cannot be negative').max(86_400);
const positive = z.number().positive('must be more than 0');
export const colorSchema = z.string().regex(/^#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?$/, 'use a colour like #1a2b3c (or #1a2b3cff with alpha)');
const fraction = z.number().min(0).max(1);

export const blendModes = ['normal', 'multiply', 'screen', 'overlay', 'lighten', 'darken', 'difference', 'add'] as const;
export type BlendMode = (typeof blendModes)[number];

/** Where a layer sits: the centre of its box and the box size, in canvas pixels. */
export const transformSchema = z.object({
  x: animatable(z.number()),
  y: animatable(z.number()),
  width: animatable(positive),
  /** Leave out to keep the source's aspect ratio. */
  height: animatable(positive).optional(),
  rotation: animatable(z.number()).default(0),
  opacity: animatable(fraction).default(1),
});
export type Transform = z.infer<typeof transformSchema>;

/** Fractions of the source cut away from each edge before it is placed. */
export const cropSchema = z
  .object({ left: fraction.default(0), top: fraction.default(0), right: fraction.default(0), bottom: fraction.default(0) })
  .refine((c) => c.left + c.right < 1 && c.top + c.bottom < 1, 'the crop leaves nothing of the picture');

export const lookSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('grain'), strength: fraction.default(0.3) }),
  z.object({ kind: z.literal('vignette'), strength: fraction.default(0.5) }),
  z.object({ kind: z.literal('shake'), amount: z.number().min(0).max(100).default(8), frequency: z.number().min(0.1).max(10).default(1.5) }),
  z.object({ kind: z.literal('grade'), warmth: z.number().min(-1).max(1).default(0), saturation: z.number().min(0).max(3).default(1), contrast: z.number().min(0).max(3).default(1) }),
  z.object({ kind: z.literal('lut'), path: z.string().min(1).regex(/\.cube$/i, 'a LUT is a .cube file') }),
  z.object({ kind: z.literal('speedRamp'), from: z.number().min(0.25).max(4), to: z.number().min(0.25).max(4) }),
]);
export type Look = z.infer<typeof lookSchema>;

export const chromaKeySchema = z.object({
  color: colorSchema.default('#00ff00'),
  similarity: z.number().min(0.01).max(1).default(0.2),
  blend: fraction.default(0.05),
});

export const shadowSchema = z.object({
  offsetX: z.number().default(12),
  offsetY: z.number().default(12),
  blur: z.number().min(0).max(100).default(12),
  opacity: fraction.default(0.5),
});

const point = z.tuple([z.number(), z.number()]);

/** What a layout style set on a clip, so the editor can show and re-apply it. */
export const styleTagSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('split'), layout: z.enum(['side-by-side', 'stacked', 'grid']), cell: z.number().int().min(0).max(3) }),
  z.object({ kind: z.literal('pip'), corner: z.enum(['top-left', 'top-right', 'bottom-left', 'bottom-right']), margin: z.number().min(0), size: fraction, border: z.number().min(0).default(0), borderColor: colorSchema.default('#ffffff'), radius: z.number().min(0).default(0) }),
  z.object({ kind: z.literal('watermark'), corner: z.enum(['top-left', 'top-right', 'bottom-left', 'bottom-right', 'center']) }),
]);
export type StyleTag = z.infer<typeof styleTagSchema>;

const fades = { fadeIn: seconds.default(0), fadeOut: seconds.default(0) };
/** What the layer list shows and whether the canvas may move it. */
const layerInfo = { name: z.string().max(120).optional(), locked: z.boolean().default(false) };
const layer = {
  transform: transformSchema,
  crop: cropSchema.optional(),
  blend: z.enum(blendModes).default('normal'),
  looks: z.array(lookSchema).default([]),
  style: styleTagSchema.optional(),
  ...fades,
};

export const videoClipSchema = z.object({
  kind: z.literal('video'),
  id,
  ...layerInfo,
  mediaId: id,
  start: seconds,
  in: seconds.default(0),
  out: seconds,
  speed: z.number().min(0.25).max(4).default(1),
  volume: z.number().min(0).max(4).default(1),
  chromaKey: chromaKeySchema.optional(),
  ...layer,
});

export const imageClipSchema = z.object({
  kind: z.literal('image'),
  id,
  ...layerInfo,
  mediaId: id,
  start: seconds,
  duration: positive,
  chromaKey: chromaKeySchema.optional(),
  /** Product placement: the image's four corners in canvas pixels (top-left, top-right, bottom-left, bottom-right). */
  corners: z.tuple([point, point, point, point]).optional(),
  shadow: shadowSchema.optional(),
  ...layer,
});

export const colorClipSchema = z.object({
  kind: z.literal('color'),
  id,
  ...layerInfo,
  start: seconds,
  duration: positive,
  color: colorSchema,
  ...layer,
});

export const textStyleSchema = z.object({
  font: z.string().min(1).default('DejaVu Sans'),
  size: z.number().min(4).max(600).default(64),
  color: colorSchema.default('#ffffff'),
  outlineColor: colorSchema.default('#000000'),
  outline: z.number().min(0).max(20).default(3),
  bold: z.boolean().default(true),
  italic: z.boolean().default(false),
  /** A box behind the text, e.g. #000000a0. */
  background: colorSchema.optional(),
});
export type TextStyle = z.infer<typeof textStyleSchema>;

export const textClipSchema = z.object({
  kind: z.literal('text'),
  id,
  ...layerInfo,
  start: seconds,
  duration: positive,
  text: z.string().min(1, 'a text layer needs some text').max(2000),
  /** The anchor point in canvas pixels; `align` says which side of the text it is. */
  x: z.number(),
  y: z.number(),
  align: z.enum(['left', 'center', 'right']).default('center'),
  style: textStyleSchema.default(textStyleSchema.parse({})),
  ...fades,
});

export const audioClipSchema = z.object({
  kind: z.literal('audio'),
  id,
  ...layerInfo,
  mediaId: id,
  start: seconds,
  in: seconds.default(0),
  out: seconds,
  volume: z.number().min(0).max(4).default(1),
  /** Music is ducked under voice. */
  role: z.enum(['voice', 'music', 'effect']).default('music'),
  ...fades,
});

export const visualClipSchema = z.discriminatedUnion('kind', [videoClipSchema, imageClipSchema, colorClipSchema, textClipSchema]);
export type VideoClip = z.infer<typeof videoClipSchema>;
export type ImageClip = z.infer<typeof imageClipSchema>;
export type ColorClip = z.infer<typeof colorClipSchema>;
export type TextClip = z.infer<typeof textClipSchema>;
export type AudioClip = z.infer<typeof audioClipSchema>;
export type VisualClip = z.infer<typeof visualClipSchema>;
export type Clip = VisualClip | AudioClip;

export const trackSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('visual'), id, name: z.string().max(120).optional(), hidden: z.boolean().default(false), locked: z.boolean().default(false), clips: z.array(visualClipSchema) }),
  z.object({ kind: z.literal('audio'), id, name: z.string().max(120).optional(), muted: z.boolean().default(false), locked: z.boolean().default(false), clips: z.array(audioClipSchema) }),
]);
export type Track = z.infer<typeof trackSchema>;

export const transitionSchema = z.object({
  from: id,
  to: id,
  kind: z.enum(transitionKinds, { error: (issue) => `unknown transition "${String(issue.input)}"; use one of FFmpeg's xfade transitions (fade, wipeleft, slideup, circleopen, ...)` }),
  duration: positive.max(10),
});
export type Transition = z.infer<typeof transitionSchema>;

/** A file in the project library, with what probing it found. */
export const mediaSchema = z.object({
  id,
  /** The file's name as the user knows it (the library copy's name is made unique). */
  name: z.string().max(255).optional(),
  path: z.string().min(1),
  kind: z.enum(['video', 'image', 'audio']),
  durationSeconds: z.number().positive().nullable(),
  width: z.number().int().positive().nullable(),
  height: z.number().int().positive().nullable(),
  hasAudio: z.boolean(),
});
export type Media = z.infer<typeof mediaSchema>;

export const captionsSchema = z.object({
  cues: z.array(
    z
      .object({
        start: seconds,
        end: seconds,
        text: z.string().min(1).max(500),
        /** When each word is spoken: the caption then lights up word by word (karaoke style). */
        words: z.array(z.object({ text: z.string().min(1).max(80), start: seconds, end: seconds })).max(40).optional(),
      })
      .refine((c) => c.end > c.start, { message: 'a caption must end after it starts', path: ['end'] }),
  ),
  style: textStyleSchema.default(textStyleSchema.parse({})),
  /** The colour a word turns while it is spoken (word-by-word captions). */
  highlight: colorSchema.optional(),
  position: z.enum(['bottom', 'middle', 'top']).default('bottom'),
});

export const canvasSchema = z.object({
  width: z.number().int().min(16).max(7680).refine((n) => n % 2 === 0, 'use an even width (H.264 needs it)'),
  height: z.number().int().min(16).max(7680).refine((n) => n % 2 === 0, 'use an even height (H.264 needs it)'),
  fps: z.number().min(1).max(120),
  duration: positive.max(86_400),
  background: z
    .discriminatedUnion('kind', [
      z.object({ kind: z.literal('color'), color: colorSchema }),
      z.object({ kind: z.literal('blur'), mediaId: id, strength: z.number().min(1).max(100).default(30) }),
    ])
    .default({ kind: 'color', color: '#000000' }),
});

export const compositionSchema = z.object({
  version: z.literal(COMPOSITION_VERSION),
  id,
  name: z.string().trim().min(1).max(200),
  canvas: canvasSchema,
  /** The platform it is made for: encoding, safe area and loudness come from it. */
  preset: z.enum(presetIds).optional(),
  /** Render at another preset's size: `fill` crops, `fit` letterboxes, `blurred-pad` fills the bars with a blurred copy. */
  reframe: z.object({ preset: z.enum(presetIds), mode: z.enum(['fit', 'fill', 'blurred-pad']) }).optional(),
  media: z.array(mediaSchema).default([]),
  tracks: z.array(trackSchema).default([]),
  transitions: z.array(transitionSchema).default([]),
  looks: z.array(lookSchema).default([]),
  captions: captionsSchema.optional(),
});
export type Composition = z.infer<typeof compositionSchema>;
export type CompositionInput = z.input<typeof compositionSchema>;
