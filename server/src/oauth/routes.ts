import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { describeValidation } from '../http/errors';
import { readFormBodies } from '../http/form-body';
import type { HubServices } from '../http/services';
import { authorizeRoutes } from './authorize-routes';
import { errorPage } from './pages';
import { sendOAuthError, tokenRoutes } from './token-routes';

/**
 * Kata Studio's native sign-in (RFC 8252): the Hub as OAuth 2.0
 * authorization server. Public by design: each route checks what it is
 * given itself (the client, its loopback address, PKCE, the code or refresh
 * token, the browser's Hub session on the confirm page). Forms and the token
 * endpoint take form bodies; errors are pages for people, OAuth's JSON for Studio.
 */
export function oauthRoutes(services: HubServices, limits: { signInPerMinute: number }) {
  return async function oauthPlugin(scoped: FastifyInstance): Promise<void> {
    readFormBodies(scoped);
    scoped.setErrorHandler((error: FastifyError, request, reply) => {
      const status = error.statusCode ?? 500;
      if (status >= 500) request.log.error({ err: error }, 'request failed');
      const message = hasZodFastifySchemaValidationErrors(error) ? describeValidation(error) : status >= 500 ? 'Something went wrong on the Hub.' : error.message;
      if (request.url.startsWith('/oauth/token') || request.url.startsWith('/oauth/revoke')) return sendOAuthError(reply, hasZodFastifySchemaValidationErrors(error) ? { statusCode: 400, message } : error);
      return errorPage(reply, hasZodFastifySchemaValidationErrors(error) ? 400 : status, message, request.id);
    });
    authorizeRoutes(scoped, services, limits);
    tokenRoutes(scoped, services);
  };
}
