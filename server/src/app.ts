import { randomUUID } from 'node:crypto';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors, jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { HubDatabase } from './db/database';

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
];

export interface HubAppOptions {
  database: HubDatabase;
  logger?: boolean | { level: string; stream?: NodeJS.WritableStream };
  corsOrigins?: string[];
  bodyLimitBytes?: number;
}

const errorBody = z.object({ error: z.string(), requestId: z.string() });

/** Kata Hub's HTTP app: every route under /v1 with zod schemas, documented at /openapi.json. */
export async function buildApp(options: HubAppOptions): Promise<FastifyInstance> {
  const logger = options.logger === undefined || options.logger === false ? false : { ...(options.logger === true ? { level: 'info' } : options.logger), redact: { paths: redactedPaths, censor: '[redacted]' } };
  const app = Fastify({
    logger,
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
      const details = error.validation.map((issue) => `${[issue.instancePath.replace(/^\//, '').replace(/\//g, '.')].filter(Boolean).join('') || (error.validationContext ?? 'request')}: ${issue.message}`);
      return reply.status(400).send({ error: `Invalid ${error.validationContext ?? 'request'}: ${details.join('; ')}`, requestId: request.id });
    }
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    return reply.status(status).send({ error: status >= 500 ? 'Something went wrong on the Hub; the request id helps the administrator find it.' : error.message, requestId: request.id });
  });
  app.setNotFoundHandler((request, reply) => reply.status(404).send({ error: `No route ${request.method} ${request.url.split('?')[0]}`, requestId: request.id }));

  await app.register(helmet, { contentSecurityPolicy: { directives: { defaultSrc: ["'self'"], scriptSrc: ["'self'"], styleSrc: ["'self'", "'unsafe-inline'"], imgSrc: ["'self'", 'data:'] } } });
  await app.register(cors, { origin: options.corsOrigins && options.corsOrigins.length > 0 ? options.corsOrigins : false });
  await app.register(swagger, { openapi: { info: { title: 'Kata Hub API', version: '1' } }, transform: jsonSchemaTransform });
  await app.register(swaggerUi, { routePrefix: '/docs' });

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
  return app;
}
