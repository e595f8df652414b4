import { parseArgs } from 'node:util';
import { verifyWorkspaceAudit, type AuditVerification } from '../audit/verify';
import { auditPublicKey, loadAuditSigningKey, type AuditPublicKey } from '../audit/signing-key';
import { loadConfig } from '../config';
import { auditedWorkspaceIds, workspaceExists } from '../db/audit-integrity-store';
import { openConfiguredDatabase } from '../db/configured-database';
import { getWorkspace } from '../db/identity-store';
import type { HubDatabase } from '../db/database';

export interface AuditCliIo {
  env: Record<string, string | undefined>;
  out(line: string): void;
  err(line: string): void;
  /** A database that is already open; without it the configured one is opened (and closed again). */
  database?: HubDatabase;
}

const usage = 'usage: npm run hub -- audit verify [--workspace <id>] [--json]';

/**
 * `audit verify`: verifies the audit log of one workspace, or of every
 * workspace that has one, and says per workspace whether it is intact or
 * where it breaks. `args` are the words after `audit verify`. Resolves to
 * the exit code: 0 intact, 1 a break found, 2 could not run.
 */
export async function auditVerify(args: string[], io: AuditCliIo): Promise<number> {
  let options: { workspace?: string; json?: boolean };
  try {
    options = parseArgs({ args, options: { workspace: { type: 'string' }, json: { type: 'boolean' } }, strict: true, allowPositionals: false }).values;
  } catch (error) {
    io.err(`${(error as Error).message}\n${usage}`);
    return 2;
  }
  let keys: AuditPublicKey[];
  let database = io.database;
  try {
    const config = loadConfig(io.env);
    const signingKey = await loadAuditSigningKey({ configured: config.KATA_HUB_AUDIT_SIGNING_KEY, dataDir: config.KATA_HUB_DATA_DIR, create: false });
    keys = [...(signingKey ? [signingKey] : []), ...config.KATA_HUB_AUDIT_PREVIOUS_PUBLIC_KEYS.map(auditPublicKey)];
    if (keys.length === 0) io.err('No audit signing key is configured or in the data dir: signed checkpoints and tombstones cannot be checked and will show as breaks.');
    database ??= await openConfiguredDatabase(config);
  } catch (error) {
    io.err(error instanceof Error ? error.message : String(error));
    return 2;
  }
  try {
    if (options.workspace !== undefined && !(await workspaceExists(database.db, options.workspace))) {
      io.err(`No workspace ${options.workspace}`);
      return 2;
    }
    const workspaceIds = options.workspace !== undefined ? [options.workspace] : await auditedWorkspaceIds(database.db);
    const results: ({ workspaceId: string } & AuditVerification)[] = [];
    for (const workspaceId of workspaceIds) {
      const verification = await verifyWorkspaceAudit(database.db, workspaceId, keys);
      results.push({ workspaceId, ...verification });
      if (!options.json) io.out(describeVerification(await workspaceLabel(database.db, workspaceId), verification));
    }
    if (options.json) io.out(JSON.stringify(results, null, 2));
    else if (workspaceIds.length === 0) io.out('No workspace has an audit log yet.');
    return results.every((r) => r.ok) ? 0 : 1;
  } finally {
    if (!io.database) await database.close();
  }
}

/** A workspace as people know it: its short name, with its id. */
async function workspaceLabel(db: HubDatabase['db'], workspaceId: string): Promise<string> {
  if (workspaceId === 'hub') return 'hub (sign-ins to unknown accounts)';
  const workspace = await getWorkspace(db, workspaceId);
  return workspace?.slug ? `${workspace.slug} (${workspaceId})` : workspaceId;
}

/** "workspace acme: 1,204 events intact, signed through 1,200" or "workspace acme: BROKEN at event 37: …". */
export function describeVerification(workspaceId: string, verification: AuditVerification): string {
  if (!verification.ok) return `workspace ${workspaceId}: BROKEN at event ${count(verification.sequence)}: ${verification.message}`;
  const events = `${count(verification.checked)} ${verification.checked === 1 ? 'event' : 'events'} intact`;
  const signed = verification.signedThrough === null ? 'not signed yet' : `signed through ${count(verification.signedThrough)}`;
  const removed = verification.tombstone ? `; events up to ${count(verification.tombstone.throughSequence)} removed by retention` : '';
  return `workspace ${workspaceId}: ${events}, ${signed}${removed}`;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}
