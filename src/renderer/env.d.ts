/// <reference types="vite/client" />

declare const __KATA_VERSION__: string;
