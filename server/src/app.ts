import { randomUUID, type KeyObject } from 'node:crypto';
import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors, jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { attributionRoutes } from './attribution/routes';
import { attribute } from './attribution/models';
import type { AttributeFn } from './attribution/report';
import { auditRoutes } from './audit/routes';
import { auditPublicKey, type AuditSigningKey } from './audit/signing-key';
import { authRoutes } from './auth/routes';
import { customerRoutes } from './cdp/customer-routes';
import { connectorRoutes } from './connectors/routes';
import { ingestRoutes } from './cdp/ingest-routes';
import { noteBodyText } from './cdp/messages';
import { segmentRoutes } from './cdp/segment-routes';
import { experimentRoutes } from './experiments/routes';
import { budgetRoutes } from './experiments/budget/routes';
import { syncRoutes } from './sync/routes';
import { renderRoutes } from './sync/render-routes';
import { scimRoutes } from './scim/routes';
import { scimTokenRoutes } from './scim/token-routes';
import { writeKeyRoutes } from './cdp/write-key-routes';
import type { HubDatabase } from './db/database';
import { installAccessControl } from './http/access';
import { describeValidation, errorBody, HubError } from './http/errors';
import type { HubServices } from './http/services';
import { jobRoutes } from './jobs/routes';
import type { JobQueue } from './jobs/queue';
import type { PersonalDataCipher } from './privacy/personal-data';
import { privacyRequestRoutes } from './privacy/routes';
import { workspaceRoutes } from './workspaces/routes';
import { setupRoutes } from './workspaces/setup-routes';
import { oidcConfigRoutes } from './sso/oidc-config-routes';
import { oidcLogoutRoutes } from './sso/oidc-logout-routes';
import { oidcSignInRoutes } from './sso/oidc-sign-in-routes';
import { samlConfigRoutes } from './sso/saml-config-routes';
import { samlSignInRoutes } from './sso/saml-sign-in-routes';
import { ssoTestConnectionRoutes } from './sso/test-connection-routes';
import { oauthRoutes } from './oauth/routes';
import { consoleSite } from './http/console-site';

/** Secrets, tokens and personal data never reach the logs. */
export const redactedPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'password',
  'token',
  'email',
  'phone',
  '*.password',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.email',
  '*.phone',
  // A database error's detail repeats the values of the row (an email in a unique violation).
  'err.detail',
  'err.where',
  'err.parameters',
];

/** Links carry one-time tokens in their query (`/setup?token=…`, `/join?token=…`, an OIDC callback's code and state); the log keeps the path only. */
export function urlForLog(url: string): string {
  const query = url.indexOf('?');
  if (query < 0) return url;
  const params = new URLSearchParams(url.slice(query + 1));
  for (const name of [...params.keys()]) if (/token|key|secret|password|code|state|email/i.test(name)) params.set(name, '[redacted]');
  return `${url.slice(0, query)}?${params.toString()}`;
}

const ingestPaths = new Set(['/v1/track', '/v1/identify', '/v1/page', '/v1/screen', '/v1/group', '/v1/alias', '/v1/batch', '/v1/t', '/v1/i', '/v1/p', '/v1/s', '/v1/g', '/v1/a']);
function isIngestPath(url: string): boolean {
  return ingestPaths.has(url.split('?')[0]!);
}

export interface RateLimits {
  /** Requests per minute for a caller without credentials, per IP address. */
  perIp: number;
  perUser: number;
  perApiKey: number;
  /** Ingest requests (each up to a batch of events) per write key. */
  perWriteKey: number;
  /** Sign-in attempts per minute per IP address (stricter, against password guessing). */
  signIn: number;
}
export const defaultRateLimits: RateLimits = { perIp: 300, perUser: 1200, perApiKey: 3000, perWriteKey: 12_000, signIn: 10 };

export interface HubAppOptions {
  database: HubDatabase;
  logger?: boolean | { level: string; stream?: NodeJS.WritableStream };
  corsOrigins?: string[];
  bodyLimitBytes?: number;
  /**
   * Where people reach the Hub, for links it hands out and as its OAuth issuer; defaults to
   * http://127.0.0.1:4400, or to the address it listens at when that is `'listen-address'`
   * (a Hub started on port 0 knows its port only then).
   */
  publicUrl?: string | 'listen-address';
  now?: () => Date;
  rateLimits?: Partial<RateLimits>;
  /** Shares rate-limit counters between Hub instances (REDIS_URL). */
  redis?: Redis;
  /** Encrypts customers' personal data and hashes their identifiers for lookup. */
  personalData: PersonalDataCipher;
  /** The audit log's signing key, and public keys of keys used before a rotation. */
  audit: { signingKey: AuditSigningKey; previousKeys?: KeyObject[] };
  /** The background job queue; its routes exist only when it is given. */
  jobs?: JobQueue;
  /** Runs made in process when there is no queue use these models (default: models/index.ts `attribute`); with a queue, the `attribution.run` job's definition holds them. */
  attribute?: AttributeFn;
  /** Behind a reverse proxy, trust its X-Forwarded-* headers for the client's IP and protocol. */
  trustProxy?: boolean;
  /** The built admin console served at /console/; defaults to server/console/dist. */
  consoleFolder?: string;
}

/** Kata Hub's HTTP app: every route under /v1 with zod schemas, documented at /openapi.json. */
export async function buildApp(options: HubAppOptions): Promise<FastifyInstance> {
  const logger =
    options.logger === undefined || options.logger === false
      ? false
      : {
          ...(options.logger === true ? { level: 'info' } : options.logger),
          redact: { paths: redactedPaths, censor: '[redacted]' },
          serializers: { req: (request: { method: string; url: string; ip?: string; id: string }) => ({ id: request.id, method: request.method, url: urlForLog(request.url), ip: request.ip }) },
        };
  const app = Fastify({
    logger,
    trustProxy: options.trustProxy ?? false,
    bodyLimit: options.bodyLimitBytes ?? 1024 * 1024,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w-]{8,128}$/.test(given) ? given : randomUUID();
    },
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  // Malformed input gets 400 naming the field; nothing ever answers with a stack trace.
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      return reply.status(400).send({ error: describeValidation(error), requestId: request.id });
    }
    // Two requests creating the same thing at once: the database's unique index decides, the loser is told plainly.
    if ((error as { code?: unknown }).code === '23505') return reply.status(409).send({ error: 'That already exists: someone saved the same thing a moment ago. Reload and try again.', code: 'conflict', requestId: request.id });
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return reply.status(413).send({ error: `The request body is too large: this route takes at most ${Math.round(request.routeOptions.bodyLimit! / 1024)} KB.`, code: 'too-large', requestId: request.id });
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    if (error instanceof HubError && error.retryAfterSeconds) reply.header('retry-after', String(error.retryAfterSeconds));
    const code = error instanceof HubError ? error.code : status === 429 ? 'rate-limited' : undefined;
    return reply.status(status).send({ error: status >= 500 ? 'Something went wrong on the Hub; the request id helps the administrator find it.' : error.message, ...(code && { code }), requestId: request.id });
  });
  app.setNotFoundHandler((request, reply) => reply.status(404).send({ error: `No route ${request.method} ${request.url.split('?')[0]}`, requestId: request.id }));

  await app.register(helmet, { contentSecurityPolicy: { directives: { defaultSrc: ["'self'"], scriptSrc: ["'self'"], styleSrc: ["'self'", "'unsafe-inline'"], imgSrc: ["'self'", 'data:'] } } });
  // CORS is closed unless origins are listed, except for event ingest: analytics.js sends from customers' own sites, with the write key and no cookies.
  const consoleOrigins = options.corsOrigins && options.corsOrigins.length > 0 ? options.corsOrigins : false;
  await app.register(cors, {
    delegator: (request, callback) =>
      callback(null, isIngestPath(request.url) ? { origin: '*', methods: ['POST'], allowedHeaders: ['Content-Type', 'Authorization'], credentials: false, maxAge: 86_400 } : { origin: consoleOrigins }),
  });
  // Ingest notes what its checks need of a body's text as sent (see noteBodyText); everything else parses JSON as Fastify does.
  const defaultJsonParser = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (isIngestPath(request.url)) noteBodyText(request, body as string);
    defaultJsonParser(request, body as string, done);
  });
  // analytics.js posts its JSON as text/plain (so browsers skip the preflight); elsewhere text/plain stays text and fails validation.
  app.addContentTypeParser('text/plain', { parseAs: 'string' }, (request, body, done) => {
    if (!isIngestPath(request.url)) return done(null, body);
    try {
      noteBodyText(request, body as string);
      done(null, JSON.parse(body as string));
    } catch {
      done(Object.assign(new Error('The body is not valid JSON.'), { statusCode: 400 }), undefined);
    }
  });
  await app.register(swagger, {
    openapi: {
      info: { title: 'Kata Hub API', version: '1', description: 'Sign in with POST /v1/auth/login: browsers get a session cookie, Studio (`"client": "studio"`) a bearer token. API keys (`kak_…`) go in the same Authorization header.' },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'An access token (kat_…) or an API key (kak_…); under /scim/v2, a SCIM token (kscim_…)' },
          session: { type: 'apiKey', in: 'cookie', name: 'kata_session' },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(cookie);

  const services: HubServices = {
    database: options.database,
    db: options.database.db,
    now: options.now ?? (() => new Date()),
    publicUrl: (options.publicUrl === undefined || options.publicUrl === 'listen-address' ? 'http://127.0.0.1:4400' : options.publicUrl).replace(/\/$/, ''),
    cipher: options.personalData,
    auditSigningKey: options.audit.signingKey,
    auditKeys: [options.audit.signingKey, ...(options.audit.previousKeys ?? []).map(auditPublicKey)],
  };
  if (options.publicUrl === 'listen-address') {
    app.addHook('onListen', function (done) {
      const address = this.server.address();
      if (address && typeof address === 'object') services.publicUrl = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
      done();
    });
  }
  const limits = { ...defaultRateLimits, ...options.rateLimits };
  const limitOf = { key: limits.perApiKey, 'write-key': limits.perWriteKey, 'scim-token': limits.perApiKey, user: limits.perUser, ip: limits.perIp };
  // Counted per API key, per signed-in user, or per IP address for everyone else (callers are identified first).
  await app.register(rateLimit, {
    hook: 'preHandler',
    enableDraftSpec: true,
    timeWindow: '1 minute',
    ...(options.redis && { redis: options.redis, nameSpace: 'kata-hub-rate-limit:' }),
    keyGenerator: (request) => {
      const caller = request.caller;
      if (caller?.kind === 'api-key') return `key:${caller.keyId}`;
      if (caller?.kind === 'write-key') return `write-key:${caller.keyId}`;
      if (caller?.kind === 'scim') return `scim-token:${caller.keyId}`;
      if (caller?.kind === 'user') return `user:${caller.userId}`;
      return `ip:${request.ip}`;
    },
    max: (_request, key) => limitOf[key.slice(0, key.indexOf(':')) as keyof typeof limitOf],
    errorResponseBuilder: (_request, context) => ({ statusCode: context.statusCode, message: `Too many requests: the limit is ${context.max} a minute; try again in ${context.after}.` }),
  });
  // After the rate limit's registration, so the permission check runs after it, as the last step before each /v1 handler.
  installAccessControl(app, services);

  authRoutes(app, services, { signInPerMinute: limits.signIn });
  workspaceRoutes(app, services);
  setupRoutes(app, services, { signInPerMinute: limits.signIn });
  auditRoutes(app, services);
  writeKeyRoutes(app, services);
  ingestRoutes(app, services);
  customerRoutes(app, services);
  segmentRoutes(app, services);
  syncRoutes(app, services);
  renderRoutes(app, services);
  attributionRoutes(app, services, { jobs: options.jobs, attribute: options.attribute ?? attribute });
  experimentRoutes(app, services);
  budgetRoutes(app, services);
  scimTokenRoutes(app, services);
  oidcConfigRoutes(app, services);
  oidcSignInRoutes(app, services, { signInPerMinute: limits.signIn });
  await app.register(oidcLogoutRoutes(services, { perMinute: limits.signIn }));
  samlConfigRoutes(app, services);
  ssoTestConnectionRoutes(app, services);
  await app.register(samlSignInRoutes(services, { signInPerMinute: limits.signIn }));
  await app.register(scimRoutes(services), { prefix: '/scim/v2' });
  await app.register(oauthRoutes(services, { signInPerMinute: limits.signIn }));
  // With a queue, privacy requests run as `privacy.request` jobs, which the queue's owner defines (definePrivacyJobs).
  privacyRequestRoutes(app, services, options.jobs);
  if (options.jobs) jobRoutes(app, services, options.jobs);
  // Without a queue, a connection can be set up and read, but not synced from the API.
  connectorRoutes(app, services, options.jobs);

  await consoleSite(app, { folder: options.consoleFolder });

  app.get('/healthz', { schema: { hide: true, response: { 200: z.object({ status: z.literal('ok') }) } } }, async () => ({ status: 'ok' as const }));
  app.get('/readyz', { schema: { hide: true, response: { 200: z.object({ status: z.literal('ready'), database: z.enum(['pglite', 'postgres']) }), 503: errorBody } } }, async (request, reply) => {
    try {
      await options.database.db.selectFrom('workspaces').select('id').limit(1).execute();
      return { status: 'ready' as const, database: options.database.kind };
    } catch {
      return reply.status(503).send({ error: 'The database does not answer.', requestId: request.id });
    }
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/favicon.ico', { schema: { hide: true } }, async (_request, reply) => reply.status(204).send());
  return app;
}
