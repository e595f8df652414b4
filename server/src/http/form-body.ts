import type { FastifyInstance } from 'fastify';

/** Lets the routes of one plugin read HTML form posts (application/x-www-form-urlencoded) as an object of strings; a repeated field keeps its last value. */
export function readFormBodies(scoped: FastifyInstance): void {
  scoped.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))));
}
