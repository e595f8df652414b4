import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** Where `npm run build:console` puts the admin console (server/console/dist). */
export const builtConsoleFolder = fileURLToPath(new URL('../../console/dist', import.meta.url));

/**
 * The console's own policy, stricter than the API's: no inline script or style, no frames, no plug-ins, API calls to this origin only.
 * Render thumbnails are decoded by FFmpeg compiled to WebAssembly, in a worker: 'wasm-unsafe-eval' lets the page compile
 * WebAssembly (and nothing else: no eval, no new Function), and workers may come from this origin only (the worker
 * script and the FFmpeg core are files of the console's build; no blob: workers).
 */
export const consoleContentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const notBuiltPage = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Kata Hub console not built</title>
<h1>The Kata Hub console is not built</h1>
<p>This Hub has no console bundle at <code>server/console/dist</code>. Build it with <code>npm run build:console</code> (or <code>npm run build</code>) at the root of the Kata repository, then reload this page.</p>
<p>The Hub's API works without it; its documentation is at <a href="/docs">/docs</a>.</p></html>`;

/**
 * Serves the admin console (a single-page app) at /console/, on the API's origin so the
 * session cookie reaches the API. Hashed assets are cached for good; every other path under
 * /console/ answers index.html (the app routes in the browser). `/` leads to the console,
 * which is also where single sign-on and signing out at the provider come back to, and
 * invitation links (`/join`) open its page for joining.
 */
export async function consoleSite(app: FastifyInstance, options: { folder?: string } = {}): Promise<void> {
  const folder = options.folder ?? builtConsoleFolder;
  const built = existsSync(join(folder, 'index.html'));
  app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/console/', 302));
  app.get('/console', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/console/', 301));
  // Invitation links (`/join?token=…`) open the console's page for joining, the token kept in the query.
  app.get('/join', { schema: { hide: true } }, async (request, reply) => {
    const query = request.url.indexOf('?');
    return reply.redirect(`/console/join${query < 0 ? '' : request.url.slice(query)}`, 302);
  });

  await app.register(async (scope) => {
    scope.addHook('onSend', async (request, reply) => {
      reply.header('content-security-policy', consoleContentSecurityPolicy);
      if (reply.getHeader('content-type')?.toString().startsWith('text/html')) reply.header('cache-control', 'no-store');
      // Hashed file names, and FFmpeg's core in a folder named by its version: neither changes under its URL.
      else if (request.url.startsWith('/console/assets/') || request.url.startsWith('/console/ffmpeg/')) reply.header('cache-control', 'public, max-age=31536000, immutable');
    });
    if (!built) {
      const answerNotBuilt = async (_request: unknown, reply: FastifyReply) => reply.status(503).type('text/html; charset=utf-8').send(notBuiltPage);
      scope.get('/console/', { schema: { hide: true } }, answerNotBuilt);
      scope.get('/console/*', { schema: { hide: true } }, answerNotBuilt);
      return;
    }
    await scope.register(fastifyStatic, { root: folder, prefix: '/console/', wildcard: false, index: false, cacheControl: false, decorateReply: true });
    const app = (_request: unknown, reply: FastifyReply) => reply.type('text/html; charset=utf-8').sendFile('index.html');
    scope.get('/console/', { schema: { hide: true } }, app);
    // A path that is no file: a page of the app, unless it looks like a missing asset.
    scope.get('/console/*', { schema: { hide: true } }, async (request, reply) => {
      const path = (request.params as { '*': string })['*'];
      if (path.startsWith('assets/') || /\.[a-z0-9]{1,8}$/i.test(path)) return reply.status(404).send({ error: `No console file ${path}`, requestId: request.id });
      return app(request, reply);
    });
  });
}
