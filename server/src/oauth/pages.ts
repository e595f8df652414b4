import type { FastifyReply } from 'fastify';
import { escapeMarkup } from '../sso/sign-in-rules';

/**
 * The Hub pages a person sees while signing Kata Studio in: server-rendered,
 * no script, every text escaped. Each page sets its own Content-Security-Policy:
 * nothing loads but the inline style, and forms may go only where the flow
 * goes next (the Hub; the identity provider for single sign-on; Studio's
 * loopback address from the confirm page), since browsers check form-action
 * on the redirects that follow a form post too.
 */
const style = `body{font:16px/1.5 system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#1d1d1f}
h1{font-size:1.4rem}label{display:block;margin:.8rem 0 .2rem}input{width:100%;padding:.5rem;font:inherit;box-sizing:border-box}
button{margin-top:1rem;padding:.5rem 1rem;font:inherit}.problem{background:#fdecea;border-left:4px solid #c62828;padding:.6rem}
.row{display:flex;gap:.6rem}hr{margin:2rem 0}small{color:#555}`;

function page(reply: FastifyReply, options: { status?: number; title: string; body: string; formTargets?: string[] }) {
  const csp = ["default-src 'none'", "style-src 'unsafe-inline'", `form-action ${["'self'", ...(options.formTargets ?? [])].join(' ')}`, "frame-ancestors 'none'", "base-uri 'none'"].join('; ');
  return reply
    .status(options.status ?? 200)
    .header('content-security-policy', csp)
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeMarkup(options.title)} · Kata Hub</title><style>${style}</style></head><body>${options.body}</body></html>`);
}

const problem = (text: string | undefined) => (text ? `<p class="problem" role="alert">${escapeMarkup(text)}</p>` : '');

/** A dead end: the person reads why and goes back to Kata Studio (never redirected to an address the Hub did not check). */
export function errorPage(reply: FastifyReply, status: number, message: string, requestId: string) {
  return page(reply, { status, title: 'Kata Studio cannot sign in', body: `<h1>Kata Studio cannot sign in</h1>${problem(message)}<p>Go back to Kata Studio and start signing in again. If it keeps happening, tell your administrator (request id ${escapeMarkup(requestId)}).</p>` });
}

export interface SignInForm {
  requestId: string;
  problem?: string;
  email?: string;
  workspace?: string;
  /** The account has two-step sign-in: show the code field. */
  askCode?: boolean;
  ssoWorkspace?: string;
}

/** Email and password (with the 6-digit code when asked), or single sign-on by workspace. */
export function signInPage(reply: FastifyReply, form: SignInForm, status = 200) {
  const action = `/oauth/requests/${encodeURIComponent(form.requestId)}`;
  const value = (text: string | undefined) => (text ? ` value="${escapeMarkup(text)}"` : '');
  const code = form.askCode ? `<label for="totp">6-digit code from your authenticator app</label><input id="totp" name="totp" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required autofocus>` : '';
  const body = `<h1>Sign in to Kata Hub</h1><p>Kata Studio on this computer asks to use your Kata Hub account.</p>${problem(form.problem)}
<form method="post" action="${action}/sign-in">
<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" required${value(form.email)}${form.askCode ? '' : ' autofocus'}>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<label for="workspace">Workspace <small>(only if your email has accounts in several)</small></label><input id="workspace" name="workspace" autocomplete="organization"${value(form.workspace)}>
${code}<button type="submit">Sign in</button></form>
<hr><form method="post" action="${action}/sso"><h2>Use single sign-on</h2>
<label for="sso-workspace">Workspace</label><input id="sso-workspace" name="workspace" required${value(form.ssoWorkspace)}>
<button type="submit">Continue with single sign-on</button></form>`;
  // Single sign-on goes on to the workspace's identity provider, wherever it is: any https:// address, or plain
  // http:// on this machine's loopback (what an issuer may be, see the OIDC settings; local development).
  return page(reply, { status, title: 'Sign in', body, formTargets: ['https:', 'http://127.0.0.1:*', 'http://localhost:*', 'http://[::1]:*'] });
}

/** "Allow Kata Studio on this computer to use Kata Hub as …?": the form is bound to this request and this browser session. */
export function confirmPage(reply: FastifyReply, confirm: { requestId: string; csrf: string; name: string; email: string; workspace: string; redirectOrigin: string }) {
  const body = `<h1>Allow Kata Studio?</h1>
<p>Allow Kata Studio on this computer to use Kata Hub as <strong>${escapeMarkup(confirm.name)}</strong> (${escapeMarkup(confirm.email)}) in <strong>${escapeMarkup(confirm.workspace)}</strong>?</p>
<form method="post" action="/oauth/requests/${encodeURIComponent(confirm.requestId)}/decision"><input type="hidden" name="csrf" value="${escapeMarkup(confirm.csrf)}">
<div class="row"><button type="submit" name="decision" value="allow">Allow</button><button type="submit" name="decision" value="cancel">Cancel</button></div></form>
<p><small>Only allow this if you just started signing in from Kata Studio.</small></p>
<form method="post" action="/oauth/requests/${encodeURIComponent(confirm.requestId)}/other-account"><input type="hidden" name="csrf" value="${escapeMarkup(confirm.csrf)}"><button type="submit">Use another account</button></form>`;
  return page(reply, { title: 'Allow Kata Studio', body, formTargets: [confirm.redirectOrigin] });
}
