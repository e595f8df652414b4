import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { emailSchema, newPasswordSchema, slugSchema } from '../auth/schemas';
import { digestSecret, newSecret } from '../auth/secrets';
import * as store from '../db/identity-store';
import { errorResponses, HubError } from '../http/errors';
import type { HubServices } from '../http/services';
import { createWorkspaceWithOwner } from './create';

const setupLinkHours = 24;

/** A one-time link that creates the first workspace, made when the Hub starts with none. */
export async function makeSetupLink(services: Pick<HubServices, 'db' | 'now' | 'publicUrl'>): Promise<string | null> {
  if ((await store.countTenantWorkspaces(services.db)) > 0) return null;
  const token = newSecret('setup');
  await store.createSetupToken(services.db, digestSecret(token), new Date(services.now().getTime() + setupLinkHours * 3600_000));
  return `${services.publicUrl}/setup?token=${encodeURIComponent(token)}`;
}

const setupBody = z.object({
  token: z.string().min(10).max(200),
  workspaceName: z.string().trim().min(1).max(120),
  slug: slugSchema,
  name: z.string().trim().min(1).max(120),
  email: emailSchema,
  password: newPasswordSchema,
});

/** The first-start page and the call it makes. The page is plain HTML with its script served beside it (the CSP allows no inline script). */
export function setupRoutes(app: FastifyInstance, services: HubServices, limits: { signInPerMinute: number }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/setup', { schema: { hide: true } }, async (_request, reply) => reply.type('text/html; charset=utf-8').send(setupPage));
  r.get('/setup.js', { schema: { hide: true } }, async (_request, reply) => reply.type('text/javascript; charset=utf-8').send(setupScript));
  r.post(
    '/v1/setup',
    { schema: { tags: ['workspace'], summary: 'Create the first workspace and its owner with the one-time link from the first start', body: setupBody, response: { 201: z.object({ workspaceId: z.string(), slug: z.string() }), ...errorResponses, 409: errorResponses[400] } }, config: { access: 'public', rateLimit: { max: limits.signInPerMinute, timeWindow: '1 minute' } } },
    async (request, reply) => {
      const { token, workspaceName, slug, name, email, password } = request.body;
      const now = services.now();
      const created = await createWorkspaceWithOwner(services.db, { workspaceName, slug, ownerName: name, email, password }, {
        ip: request.ip,
        userAgent: request.headers['user-agent']?.slice(0, 512) ?? null,
        requestId: request.id,
        now,
        beforeCreate: async (tx) => {
          if (!(await store.consumeSetupToken(tx, digestSecret(token), now))) throw new HubError(404, 'This set-up link was already used or has expired. Run `npm run hub -- init` on the server instead.', 'setup-link-invalid');
        },
      });
      return reply.status(201).send({ workspaceId: created.workspaceId, slug });
    },
  );
}

const setupPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Set up Kata Hub</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#1d1d1f}label{display:block;margin:.8rem 0 .2rem;font-weight:600}input{width:100%;padding:.5rem;font:inherit;box-sizing:border-box}button{margin-top:1.2rem;padding:.6rem 1.2rem;font:inherit}#result{margin-top:1rem}.error{color:#b00020}</style>
</head><body>
<h1>Set up Kata Hub</h1>
<p>Create your workspace and its owner account. This link works once.</p>
<form id="setup">
<label for="workspaceName">Workspace name</label><input id="workspaceName" name="workspaceName" required maxlength="120" placeholder="Acme Marketing">
<label for="slug">Short name (for sign-in)</label><input id="slug" name="slug" required pattern="[a-z0-9]+(-[a-z0-9]+)*" placeholder="acme-marketing">
<label for="name">Your name</label><input id="name" name="name" required maxlength="120" autocomplete="name">
<label for="email">Your email</label><input id="email" name="email" type="email" required autocomplete="email">
<label for="password">Password (at least 12 characters)</label><input id="password" name="password" type="password" required minlength="12" autocomplete="new-password">
<button type="submit">Create workspace</button>
</form>
<p id="result" role="status" aria-live="polite"></p>
<script src="/setup.js"></script>
</body></html>`;

const setupScript = `const form = document.getElementById('setup');
const result = document.getElementById('result');
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const body = Object.fromEntries(new FormData(form));
  body.token = new URLSearchParams(location.search).get('token') || '';
  result.className = ''; result.textContent = 'Creating…';
  const response = await fetch('/v1/setup', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const answer = await response.json();
  if (response.ok) { form.hidden = true; result.textContent = 'Your workspace "' + answer.slug + '" is ready: sign in with your email and password. The API reference is at /docs.'; }
  else { result.className = 'error'; result.textContent = answer.error; }
});`;
