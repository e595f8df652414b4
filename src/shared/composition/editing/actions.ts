import type { Composition } from '../schema';
import { applyPictureInPicture, applySplitScreen, applyWatermark } from '../styles';
import * as ops from './clip-operations';

/**
 * Every editing operation as data (after Excalidraw's actions): a name, the
 * words the UI shows, its keyboard shortcut, and a pure perform(). Toolbar,
 * keyboard, context menu and the help overlay all read this one list.
 */
export interface EditorAction<P> {
  label: string;
  /** Shown in the shortcut overlay; `Mod` is Ctrl, or Cmd on a Mac. */
  keys?: string;
  perform: (composition: Composition, params: P) => Composition | false;
}

const action = <P>(a: EditorAction<P>) => a;
const style = <P>(apply: (c: Composition, p: P) => Composition) => (c: Composition, p: P) => {
  try {
    return apply(c, p);
  } catch {
    return false;
  }
};

export const editorActions = {
  addMedia: action({ label: 'Add to timeline', perform: ops.addMediaClip }),
  addText: action({ label: 'Add text', keys: 'T', perform: ops.addText }),
  changeClip: action({ label: 'Change layer', perform: ops.changeClip }),
  moveClip: action({ label: 'Move clip', perform: ops.moveClip }),
  trimClip: action({ label: 'Trim clip', perform: ops.trimClip }),
  splitClip: action({ label: 'Split at playhead', keys: 'S', perform: ops.splitClip }),
  rippleDelete: action({ label: 'Ripple delete', keys: 'Shift+Delete', perform: ops.rippleDelete }),
  deleteClips: action({ label: 'Delete', keys: 'Delete', perform: ops.deleteClips }),
  nudge: action({ label: 'Nudge', keys: 'Arrow keys (Shift: 10 px)', perform: ops.nudge }),
  setTransform: action({ label: 'Change transform', perform: ops.setTransform }),
  toggleKeyframe: action({ label: 'Toggle keyframe', keys: 'K', perform: ops.toggleTransformKeyframe }),
  addTransition: action({ label: 'Add transition', perform: ops.addTransition }),
  setTrack: action({ label: 'Change track', perform: ops.setTrackFlags }),
  reorderTrack: action({ label: 'Reorder layers', perform: ops.reorderTrack }),
  splitScreen: action({ label: 'Split screen', perform: style(applySplitScreen) }),
  pictureInPicture: action({ label: 'Picture in picture', keys: 'P', perform: style(applyPictureInPicture) }),
  watermark: action({ label: 'Watermark', perform: style(applyWatermark) }),
} as const;

export type EditorActionName = keyof typeof editorActions;
export type ActionParams<N extends EditorActionName> = Parameters<(typeof editorActions)[N]['perform']>[1];

/** Shortcuts that are not document edits, listed with the actions in the help overlay. */
export const editorShortcuts = [
  { label: 'Undo', keys: 'Mod+Z' },
  { label: 'Redo', keys: 'Shift+Mod+Z' },
  { label: 'Play / pause preview', keys: 'Space' },
  { label: 'Step one frame', keys: ', and .' },
  { label: 'Fit canvas to window', keys: 'Shift+1' },
  { label: 'Show safe area', keys: "'" },
  { label: 'Keyboard shortcuts', keys: '?' },
] as const;
