import type { Kysely } from 'kysely';
import type { AuditPublicKey, AuditSigningKey } from '../audit/signing-key';
import type { HubDatabase } from '../db/database';
import type { PersonalDataCipher } from '../privacy/personal-data';
import type { HubSchema } from '../db/schema';

/** What the routes work with; built once in app.ts, replaced with real parts of a test's choosing in tests. */
export interface HubServices {
  database: HubDatabase;
  db: Kysely<HubSchema>;
  /** The clock, so lockouts, expiries and retention can be tested without waiting. */
  now(): Date;
  /** The address people reach the Hub at, for links in invitations and the first-start page. */
  publicUrl: string;
  /** Customers' personal data: encrypted at rest, found by keyed hash. */
  cipher: PersonalDataCipher;
  /** Signs the audit log's checkpoints and tombstones. */
  auditSigningKey: AuditSigningKey;
  /** The current key's public half first, then keys used before a rotation: all that verification accepts. */
  auditKeys: AuditPublicKey[];
}
