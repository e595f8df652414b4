import { statementsMigration } from './statements';

/**
 * A number per workspace for the state identity resolution reads
 * (identities, profiles, consent, merges), taken anew by every transaction
 * that changes it under the workspace's ingest lock: ingest, consent set
 * through the API, erasure. `previous` is the number it replaced.
 *
 * Ingest reads and resolves a group of batches ahead, outside the lock,
 * while the group before it writes (see prepareIngest); under the lock, the
 * number it finds says whether anything it did not account for was written
 * in between. The numbers come from a sequence, so no two transactions ever
 * take the same one, even when one of them rolls back.
 */
const up = [
  `create sequence ingest_version_seq`,
  `create table ingest_versions (
    workspace_id text collate "C" primary key references workspaces(id) on delete cascade,
    previous bigint,
    version bigint not null
  )`,
];

const down = [`drop table ingest_versions`, `drop sequence ingest_version_seq`];

export const ingestVersions = statementsMigration(up, down);
