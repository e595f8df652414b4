import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { HubDatabase } from '../src/db/database';
import type { DeclaredRoute } from '../src/http/access';
import { startJobQueue, type JobQueue } from '../src/jobs/queue';
import { hubDatabases } from './databases';
import { testHub, testWorkspace } from './hub';

/** Signs of a leaked stack trace or server internals in an answer. */
const internals = /\bat .+:\d+:\d+|node_modules|\/work\/|\.ts:\d+|Error: /;

/**
 * Where an answer says what is wrong: SCIM's `detail`; OAuth's `error_description` (Studio's token and
 * revocation endpoints); the page itself for the pages people see while signing Studio in; else `error`.
 */
function whatItSaid(route: DeclaredRoute, response: { headers: Record<string, unknown>; body: string; json(): Record<string, unknown> }): unknown {
  if (String(response.headers['content-type']).startsWith('text/html')) return response.body;
  if (route.access === 'scim') return response.json().detail;
  if (['/oauth/token', '/oauth/revoke'].includes(route.url)) return response.json().error_description;
  return response.json().error;
}

describe('malformed input on every route', () => {
  let database: HubDatabase;
  let jobs: JobQueue;
  let app: FastifyInstance;
  beforeAll(async () => {
    database = await hubDatabases[0]!.open();
    jobs = await startJobQueue(database);
    await jobs.define({ name: 'test.noop', data: z.object({}), run: async () => null });
    app = await testHub(database, { jobs });
  }, 60_000);
  afterAll(async () => {
    await app.close();
    await jobs.stop();
    await database.close();
  });

  it('answers 400 naming what is wrong, never 500, never a stack trace', async () => {
    const ws = await testWorkspace(app, database);
    const headers = { authorization: `Bearer ${ws.ownerToken}` };
    // /scim/v2 opens only to a SCIM token, and answers in SCIM's error shape (`detail`).
    const scimHeaders = { authorization: `Bearer ${(await ws.scimToken()).token}` };
    const queries: Record<string, [string, RegExp]> = {
      'GET /v1/audit/events': ['limit=-3&before=x', /limit: Too small|before: /],
      'GET /v1/audit/export': ['from=last-tuesday', /from: /],
      'GET /v1/jobs': ['state=sleeping', /state: Invalid option/],
      'GET /v1/renders': ['after=latest&limit=0', /after: .*limit: Too small|limit: Too small.*after: /],
      'GET /scim/v2/Users': ['startIndex=first&count=-2', /startIndex: .*count: Too small|count: Too small/],
      'GET /scim/v2/Groups': ['startIndex=first&count=-2', /startIndex: .*count: Too small|count: Too small/],
      'GET /v1/sso/oidc/:workspaceSlug/start': ['client=desktop', /client: Invalid input: expected "console"/],
      'GET /v1/sso/oidc/callback': [`state=${'s'.repeat(600)}`, /state: Too big/],
      'GET /v1/sso/saml/:workspaceSlug/start': ['client=desktop', /client: Invalid input: expected "console"/],
      'GET /oauth/authorize': [`state=${'s'.repeat(1100)}`, /state: Too big/],
      'GET /v1/sync/pull': ['cursor=page-2&limit=5000', /cursor: is not a cursor the Hub handed out.*limit: Too big|limit: Too big.*cursor: /],
      'GET /v1/sync/segments': ['ids=,,', /ids: give at least one segment id/],
      'GET /v1/sync/segments/:id/members': ['version=latest', /version: /],
      'GET /v1/attribution/spend': ['from=yesterday&to=2026-06-01', /from: /],
      'GET /v1/attribution/runs': ['limit=0', /limit: Too small/],
      'GET /v1/attribution/holdouts/:id/lift': ['from=2026-06-01&to=soon', /to: /],
      'GET /v1/attribution/holdouts/:id/members': ['limit=-1', /limit: Too small/],
      'GET /v1/connectors/oauth/callback': [`state=${'s'.repeat(300)}`, /state: Too big/],
      'GET /v1/connectors/:id/runs': ['limit=0', /limit: Too small/],
      'GET /v1/connectors/:id/dead-letters': ['limit=many', /limit: /],
      'GET /v1/experiments': ['status=paused', /status: Invalid option/],
      'GET /v1/budget/advice': ['limit=0', /limit: Too small/],
      'GET /v1/experiments/:id/assignments': ['customerIds=,,', /customerIds: give at least one customer id/],
      'DELETE /v1/connectors/:id': ['keepRecordsInCrm=maybe', /keepRecordsInCrm: use true or false/],
    };
    /** Routes whose body is a file, not JSON: what they get wrong, sent with their own content type. */
    const binaryBodies: Record<string, { contentType: string; payload: string; expect: RegExp }[]> = {
      'PUT /v1/renders/:id/preview': [
        { contentType: 'video/mp4', payload: '<html>a proxy error page instead of the clip</html>', expect: /body: the body is not an MP4: it does not open with an "ftyp" box/ },
        { contentType: 'video/mp4', payload: 'short', expect: /body: the body is 5 bytes, too short to be an MP4/ },
      ],
    };
    const takesNoBody = ['POST /v1/auth/logout', 'POST /v1/auth/mfa/totp/setup', 'POST /v1/jobs/:id/retry', 'POST /v1/sso/oidc/test', 'POST /v1/sso/saml/test'];
    let checked = 0;
    for (const route of app.declaredRoutes) {
      const key = `${route.method} ${route.url}`;
      // Over the schema's 64 characters, under the router's own 100-character limit (which answers 414).
      const url = route.url.replace(':id', 'x'.repeat(80));
      const attempts: { payload?: string; contentType?: string; url: string; expect: RegExp }[] = [];
      if (route.url.includes(':id')) attempts.push({ url, expect: /id: Too big/ });
      if (binaryBodies[key]) attempts.push(...binaryBodies[key]!.map((attempt) => ({ ...attempt, url: route.url.replace(':id', 'abc') })));
      else if (['POST', 'PATCH', 'PUT'].includes(route.method)) {
        attempts.push({ url: route.url.replace(':id', 'abc').replace(':purpose', 'analytics'), payload: '{"unterminated": ', expect: /not valid JSON/ });
        if (!takesNoBody.includes(key)) attempts.push({ url: route.url.replace(':id', 'abc').replace(':purpose', 'analytics'), payload: '[1, 2, 3]', expect: /body: Invalid input: expected (object|record), received array/ });
      }
      if (queries[key]) attempts.push({ url: `${route.url}?${queries[key]![0]}`, expect: queries[key]![1] });
      for (const attempt of attempts) {
        const response = await app.inject({ method: route.method as 'POST', url: attempt.url, headers: { ...(route.access === 'scim' ? scimHeaders : headers), ...(attempt.payload !== undefined && { 'content-type': attempt.contentType ?? 'application/json' }) }, ...(attempt.payload !== undefined && { payload: attempt.payload }) });
        const answer = `${key} with ${attempt.payload ?? attempt.url.slice(0, 60)}: ${response.body}`;
        expect(response.statusCode, answer).toBe(400);
        expect(whatItSaid(route, response), answer).toMatch(attempt.expect);
        expect(response.body, answer).not.toMatch(internals);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(30);
  });

  it('answers unknown routes and methods with 404, in JSON', async () => {
    for (const [method, url] of [['GET', '/v1/nothing-here'], ['DELETE', '/v1/workspace'], ['GET', '/../../etc/passwd']] as const) {
      const response = await app.inject({ method, url });
      expect(response.statusCode).toBe(404);
      expect(response.json().error).toMatch(/^No route/);
    }
  });
});
