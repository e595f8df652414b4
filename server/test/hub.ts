import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import { buildApp, type HubAppOptions } from '../src/app';
import { auditSigningKey } from '../src/audit/signing-key';
import { PersonalDataCipher } from '../src/privacy/personal-data';
import type { Role } from '../src/auth/permissions';
import type { HubDatabase } from '../src/db/database';
import { createWorkspaceWithOwner } from '../src/workspaces/create';

/** A clock a test can move. */
export function testClock(start = new Date('2026-11-24T10:00:00Z')) {
  let now = start.getTime();
  return { now: () => new Date(now), advance: (seconds: number) => void (now += seconds * 1000) };
}

export const ownerPassword = 'correct horse battery staple';

/** A Hub app on `database`, with generous rate limits unless a test asks otherwise. */
export async function testHub(database: HubDatabase, options: Partial<HubAppOptions> = {}): Promise<FastifyInstance> {
  return buildApp({ database, rateLimits: { perIp: 10_000, perUser: 10_000, perApiKey: 10_000, perWriteKey: 100_000, signIn: 10_000 }, audit: { signingKey: testSigningKey }, personalData: testCipher, ...options });
}

/** A Hub on a database `open` makes, for the tests of one describe block: opened before them (one database per block, as a new one takes seconds), closed after. */
export function hubOnTestDatabase(open: () => Promise<HubDatabase>, options: Partial<HubAppOptions> = {}): { readonly database: HubDatabase; readonly app: FastifyInstance } {
  const hub = {} as { database: HubDatabase; app: FastifyInstance };
  beforeAll(async () => {
    hub.database = await open();
    hub.app = await testHub(hub.database, options);
  }, 30_000);
  afterAll(async () => {
    await hub.app?.close();
    await hub.database?.close();
  });
  return hub;
}

/** Real keys for customers' personal data: the current one, and one from before a rotation. */
export const testCipher = new PersonalDataCipher({ dataKeys: [{ id: 'k2', key: randomBytes(32) }, { id: 'k1', key: randomBytes(32) }], lookupKey: randomBytes(32) });

/** One Ed25519 key for a test file's Hubs (a real key; the Hub makes its own on first start). */
export const testSigningKey = auditSigningKey(generateKeyPairSync('ed25519').privateKey);

let workspaceCount = 0;

/** A workspace with an owner, signed in; `as(role)` adds and signs in a member with that role. */
export async function testWorkspace(app: FastifyInstance, database: HubDatabase, now = new Date()) {
  const slug = `ws-${process.pid}-${++workspaceCount}`;
  const email = `owner@${slug}.example`;
  const { workspaceId, userId } = await createWorkspaceWithOwner(database.db, { workspaceName: `Workspace ${workspaceCount}`, slug, ownerName: 'Olivia Owner', email, password: ownerPassword }, { ip: null, userAgent: null, requestId: null, now });
  const ownerToken = await signIn(app, email, ownerPassword, slug);
  const workspace = {
    id: workspaceId,
    slug,
    ownerId: userId,
    ownerEmail: email,
    ownerToken,
    /** Calls the Hub as the owner (or with the given token). */
    call: (method: string, url: string, payload?: unknown, token = ownerToken) => callHub(app, method, url, payload, token),
    /** Invites someone with `role`, accepts for them, and returns their access token and id. */
    async member(role: Role, name: string = role): Promise<{ token: string; id: string; email: string }> {
      const memberEmail = `${name}-${Math.random().toString(36).slice(2, 8)}@${slug}.example`;
      const invitation = (await workspace.call('POST', '/v1/invitations', { email: memberEmail, role })).json();
      const joined = await app.inject({ method: 'POST', url: '/v1/auth/accept-invitation', payload: { token: invitation.token, name, password: ownerPassword } });
      if (joined.statusCode !== 200) throw new Error(`joining failed: ${joined.body}`);
      return { token: await signIn(app, memberEmail, ownerPassword, slug), id: joined.json().user.id, email: memberEmail };
    },
    /** Creates a write key, as an analytics source would get one, with a sender that ingests through it. */
    async writeKey(name = 'Site'): Promise<{ writeKey: string; id: string; authorization: string; send(path: string, payload: unknown): Promise<LightMyRequestResponse> }> {
      const created = (await workspace.call('POST', '/v1/write-keys', { name })).json();
      const authorization = writeKeyAuthorization(created.writeKey);
      return { writeKey: created.writeKey, id: created.id, authorization, send: (path, payload) => callHub(app, 'POST', path, payload, authorization) };
    },
    /** Creates a SCIM token, as an identity provider would get one, with a caller that uses it. */
    async scimToken(name = 'Okta'): Promise<{ token: string; id: string; call(method: string, url: string, payload?: unknown): Promise<LightMyRequestResponse> }> {
      const created = (await workspace.call('POST', '/v1/scim-tokens', { name })).json();
      return { token: created.token, id: created.id, call: (method, url, payload) => callHub(app, method, url, payload, created.token) };
    },
  };
  return workspace;
}

/** The Authorization header analytics libraries send: the write key as the Basic auth user. */
export function writeKeyAuthorization(writeKey: string): string {
  return `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
}

/** Reads until `done` says so (background jobs finish on their own time), or gives up after `seconds` and returns the last reading. */
export async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, seconds = 20): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export async function signIn(app: FastifyInstance, email: string, password: string, workspace?: string): Promise<string> {
  const response = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password, workspace, client: 'studio' } });
  if (response.statusCode !== 200) throw new Error(`sign-in failed: ${response.body}`);
  return response.json().accessToken;
}

/** Calls the Hub with a token (sent as a bearer token) or a whole Authorization header value (`Basic …`). */
export function callHub(app: FastifyInstance, method: string, url: string, payload: unknown, token?: string): Promise<LightMyRequestResponse> {
  const authorization = token === undefined ? undefined : token.startsWith('Basic ') ? token : `Bearer ${token}`;
  return app.inject({ method: method as 'GET', url, ...(payload !== undefined && { payload: payload as object }), headers: authorization ? { authorization } : {} });
}
