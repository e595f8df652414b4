/**
 * The renderer's Content-Security-Policy, one source for Electron (meta tag and
 * headers) and the browser host. Development relaxes it only as far as Vite's
 * hot reload needs (inline React Refresh preamble, HMR socket).
 */
export function contentSecurityPolicy({ dev }: { dev: boolean }): string {
  const directives: Record<string, string[]> = {
    'default-src': ["'none'"],
    'script-src': dev ? ["'self'", "'unsafe-inline'"] : ["'self'"],
    'style-src': ["'self'"],
    'img-src': ["'self'", 'data:', 'blob:'],
    'media-src': ["'self'", 'blob:', 'data:'],
    'font-src': ["'self'"],
    'connect-src': dev ? ["'self'", 'ws:', 'http://localhost:*', 'http://127.0.0.1:*'] : ["'self'", 'ws://127.0.0.1:*', 'ws://localhost:*'],
    'worker-src': ["'self'", 'blob:'],
    'object-src': ["'none'"],
    'base-uri': ["'none'"],
    'form-action': ["'none'"],
  };
  return Object.entries(directives)
    .map(([name, sources]) => `${name} ${sources.join(' ')}`)
    .join('; ');
}

/** Header-only directives (ignored in a meta tag). */
export const frameAncestorsNone = "frame-ancestors 'none'";
