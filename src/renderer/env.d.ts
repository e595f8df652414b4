/// <reference types="vite/client" />

declare const __KATA_VERSION__: string;

/** Exposed by the desktop app's preload: where a dropped file lives on disk. */
interface Window {
  kataFiles?: { pathOf(file: File): string };
}
