import { z } from 'zod';
import { describeIssues } from '../../src/shared/validation';
import { parseAuditPrivateKey, parseAuditPublicKeys } from './audit/signing-key';
import { dataKeysSchema, lookupKeySchema } from './privacy/personal-data';

const configSchema = z.object({
  KATA_HUB_HOST: z.string().min(1).default('127.0.0.1'),
  KATA_HUB_PORT: z.coerce.number().int().min(0).max(65_535).default(4400),
  /** A PostgreSQL server; without it the Hub keeps its data in the embedded PGlite. */
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: 'use a postgres:// address, e.g. postgres://user@127.0.0.1:5432/kata' }).optional(),
  /** Where the embedded database lives (ignored with DATABASE_URL). */
  KATA_HUB_DATA_DIR: z.string().min(1).default('.kata-data/hub'),
  /** Origins allowed to call the API from a browser; none unless listed (comma-separated). */
  KATA_HUB_CORS_ORIGINS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((o) => o.trim()).filter(Boolean)),
  KATA_HUB_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
  KATA_HUB_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** The address people reach the Hub at, for the links it hands out (defaults to http://HOST:PORT). */
  KATA_HUB_PUBLIC_URL: z.url({ protocol: /^https?$/, error: 'use an http(s):// address, e.g. https://hub.acme.example' }).optional(),
  /** Behind a reverse proxy (TLS terminated there), trust its X-Forwarded-For / -Proto headers. */
  KATA_HUB_TRUST_PROXY: z.stringbool({ error: 'use true or false' }).default(false),
  /** Redis for rate-limit counters shared between Hub instances; each instance counts alone without it. */
  REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'use a redis:// address, e.g. redis://127.0.0.1:6379' }).optional(),
  /** Requests a minute: per IP address without credentials, per signed-in user, per API key, and sign-in attempts per IP. */
  KATA_HUB_RATE_LIMIT_IP: z.coerce.number().int().positive().default(300),
  KATA_HUB_RATE_LIMIT_USER: z.coerce.number().int().positive().default(1200),
  KATA_HUB_RATE_LIMIT_API_KEY: z.coerce.number().int().positive().default(3000),
  KATA_HUB_RATE_LIMIT_WRITE_KEY: z.coerce.number().int().positive().default(12_000),
  /** Keys that encrypt customers' personal data: `id:base64,id:base64`, the encrypting one first (32-byte keys). Made in the data folder when unset. */
  KATA_HUB_DATA_KEYS: dataKeysSchema.optional(),
  /** The key for lookup hashes of customers' identifiers (32 bytes, base64); it cannot rotate. Made in the data folder when unset. */
  KATA_HUB_LOOKUP_KEY: lookupKeySchema.optional(),
  KATA_HUB_RATE_LIMIT_SIGN_IN: z.coerce.number().int().positive().default(10),
  /** How often, in minutes, the heads of the audit chains are signed (a job on the queue). */
  KATA_HUB_AUDIT_SIGN_EVERY_MINUTES: z.coerce.number().int().min(1).max(59).default(5),
  /**
   * The Ed25519 key that signs the audit log's checkpoints and tombstones: a PKCS#8 PEM
   * (`openssl genpkey -algorithm ed25519`), with real line breaks or \n escapes. Without it the Hub
   * makes one on its first start in KATA_HUB_DATA_DIR/audit-signing-key.pem (mode 0600) and keeps using
   * it; several Hub instances on one database must be given the same key here.
   */
  KATA_HUB_AUDIT_SIGNING_KEY: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (!value?.trim()) return undefined;
      try {
        return parseAuditPrivateKey(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
  /** Public keys (SPKI PEM blocks, one after another) of signing keys used before a rotation, so that older checkpoints still verify. */
  KATA_HUB_AUDIT_PREVIOUS_PUBLIC_KEYS: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (!value?.trim()) return [];
      try {
        return parseAuditPublicKeys(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
});
export type HubConfig = z.infer<typeof configSchema>;

/** Reads the Hub's settings from the environment; the error names each bad variable. */
export function loadConfig(env: Record<string, string | undefined>): HubConfig {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) throw new Error(`Kata Hub configuration is invalid:\n${describeIssues(parsed.error)}`);
  return parsed.data;
}
