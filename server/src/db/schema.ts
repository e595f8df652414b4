import type { ColumnType, Generated } from 'kysely';

/** A bigint column, read back as a string by both drivers. */
type BigIntColumn = ColumnType<string, number | string, number | string>;

/** The Hub's tables as Kysely sees them; every row that belongs to a tenant carries its workspace. */
export interface HubSchema {
  workspaces: { id: string; name: string; slug: string | null; kind: Generated<'tenant' | 'system'>; mfa_required: Generated<boolean>; created_at: Generated<Date>; audit_retention_days: Generated<number | null> };
  users: {
    id: string;
    workspace_id: string;
    email: string;
    name: string;
    role: string;
    password_hash: string | null;
    totp_secret: string | null;
    totp_enabled: Generated<boolean>;
    totp_last_step: BigIntColumn | null;
    failed_sign_ins: Generated<number>;
    locked_until: Date | null;
    deactivated_at: Date | null;
    created_at: Generated<Date>;
  };
  sessions: {
    token_hash: string;
    workspace_id: string;
    user_id: string;
    kind: 'cookie' | 'bearer';
    mfa_enrolment_required: Generated<boolean>;
    ip: string | null;
    user_agent: string | null;
    created_at: Generated<Date>;
    last_seen_at: Generated<Date>;
    expires_at: Date;
    revoked_at: Date | null;
  };
  api_keys: {
    id: string;
    workspace_id: string;
    name: string;
    secret_hash: string;
    scopes: ColumnType<string[], string, string>;
    created_by: string;
    created_at: Generated<Date>;
    last_used_at: Date | null;
    revoked_at: Date | null;
  };
  invitations: {
    id: string;
    workspace_id: string;
    email: string;
    role: string;
    token_hash: string;
    invited_by: string;
    created_at: Generated<Date>;
    expires_at: Date;
    accepted_at: Date | null;
    revoked_at: Date | null;
  };
  setup_tokens: { token_hash: string; created_at: Generated<Date>; expires_at: Date; used_at: Date | null };
  audit_events: {
    workspace_id: string;
    sequence: number;
    event: unknown;
    previous_hash: string;
    hash: string;
    recorded_at: Generated<Date>;
  };
  /** Signed heads of each workspace's chain: rewriting events before one of them shows. */
  audit_checkpoints: { workspace_id: string; sequence: number; hash: string; signed_at: Date; key_id: string; signature: string };
  /** Signed records of the chain prefixes that retention removed. */
  audit_tombstones: {
    workspace_id: string;
    through_sequence: number;
    through_hash: string;
    removed_count: number;
    removed_before: Date;
    signed_at: Date;
    key_id: string;
    signature: string;
  };
}
