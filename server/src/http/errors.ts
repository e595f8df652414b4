import { z } from 'zod';

/** An answer the caller can act on: a status and a sentence naming what is wrong. */
export class HubError extends Error {
  override name = 'HubError';
  constructor(
    readonly statusCode: number,
    message: string,
    /** A stable word for programs (e.g. `mfa-required`), beside the sentence for people. */
    readonly code?: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export const errorBody = z.object({ error: z.string(), code: z.string().optional(), requestId: z.string() });

/** The error answers every authenticated route may give, for the OpenAPI document. */
export const errorResponses = { 400: errorBody, 401: errorBody, 403: errorBody, 404: errorBody, 429: errorBody } as const;

/** "Invalid body: userName: must be an email address": what a schema refused, field by field. */
export function describeValidation(error: { validation: { instancePath: string; message?: string }[]; validationContext?: string }): string {
  const context = error.validationContext ?? 'request';
  const details = error.validation.map((issue) => `${issue.instancePath.replace(/^\//, '').replace(/\//g, '.') || context}: ${issue.message}`);
  return `Invalid ${context}: ${details.join('; ')}`;
}
