import Fastify, { type FastifyInstance } from 'fastify';

/** Kata Hub's HTTP app. For now it only says it is alive; later issues add the API under /v1. */
export function buildApp(options: { logger?: boolean } = {}): FastifyInstance {
  const app = Fastify({ logger: options.logger ?? false });
  app.get('/healthz', async () => ({ status: 'ok' }));
  return app;
}
