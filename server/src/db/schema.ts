import type { ColumnType, Generated } from 'kysely';
import type { FieldStamp, HistoryEntry, PushResult } from '../../../src/shared/sync/protocol';

/** A bigint column, read back as a string by both drivers. */
type BigIntColumn = ColumnType<string, number | string, number | string>;
/** A nullable text column that may be left out on insert. */
type OptionalText = ColumnType<string | null, string | null | undefined, string | null>;

/** What a session (and a Studio grant allowed from it) keeps of the OpenID Provider sign-in it came from. */
interface ProviderSession {
  /** The OpenID Provider's subject and session it was started from (back-channel logout finds it by them). */
  oidc_sub: OptionalText;
  oidc_sid: OptionalText;
  /** That sign-in's ID token, sealed: the id_token_hint when the member signs out at the provider too. */
  oidc_id_token: OptionalText;
  /** The provider's refresh token of that sign-in, sealed (only when the workspace asks for offline_access). */
  oidc_refresh_token: OptionalText;
}

/** The Hub's tables as Kysely sees them; every row that belongs to a tenant carries its workspace. */
export interface HubSchema {
  workspaces: { id: string; name: string; slug: string | null; kind: Generated<'tenant' | 'system'>; mfa_required: Generated<boolean>; created_at: Generated<Date>; audit_retention_days: Generated<number | null>; consent_purposes: ColumnType<string[], string | undefined, string>; event_retention_days: Generated<number | null> };
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
    /** The identity provider's id for this person (SCIM externalId). */
    external_id: string | null;
    /** The OpenID Provider's `sub` this member first signed in as; later sign-ins must carry the same. */
    oidc_sub: OptionalText;
    given_name: string | null;
    family_name: string | null;
    /** Created by the identity provider through SCIM (no password). */
    scim_managed: Generated<boolean>;
    /** Deleted through SCIM: deactivated like a removed member, and no longer a SCIM resource. */
    scim_deleted_at: Date | null;
    updated_at: Generated<Date>;
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
  } & ProviderSession;
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
  /** Tokens an identity provider provisions users with (SCIM), one workspace each. */
  scim_tokens: { id: string; workspace_id: string; name: string; secret_hash: string; created_by: string; created_at: Generated<Date>; last_used_at: Date | null; revoked_at: Date | null };
  /** Groups an identity provider keeps through SCIM; display_name is unique in the workspace regardless of case. */
  scim_groups: { id: string; workspace_id: string; display_name: string; external_id: string | null; created_at: Generated<Date>; updated_at: Generated<Date> };
  /** Which users belong to which SCIM group (users of the group's own workspace). */
  scim_group_members: { workspace_id: string; group_id: string; user_id: string; added_at: Generated<Date> };
  write_keys: { id: string; workspace_id: string; name: string; secret_hash: string; created_by: string; created_at: Generated<Date>; last_used_at: Date | null; revoked_at: Date | null };
  profiles: {
    workspace_id: string;
    id: string;
    /** Set when this profile was merged into another: the survivor's id. */
    merged_into: string | null;
    email_enc: string | null;
    phone_enc: string | null;
    name_enc: string | null;
    traits: ColumnType<Record<string, unknown>, string | undefined, string>;
    first_seen_at: Date;
    last_seen_at: Date;
    event_count: Generated<number>;
    created_at: Generated<Date>;
    erased_at: Date | null;
  };
  identities: { workspace_id: string; kind: string; value_hash: string; value_enc: string; profile_id: string; first_seen_at: Date };
  profile_merges: { workspace_id: string; id: string; survivor_id: string; merged_id: string; identifier_kind: string; identifier_hash: string; message_id: string | null; merged_at: Date; ingest_seq: ColumnType<string | null, never, never> };
  identity_conflicts: { workspace_id: string; id: string; profile_id: string; other_profile_id: string; identifier_kind: string; identifier_hash: string; message_id: string | null; seen_at: Date };
  events: {
    workspace_id: string;
    message_id: string;
    type: string;
    name: string | null;
    profile_id: string;
    properties: ColumnType<Record<string, unknown>, string | undefined, string>;
    context: ColumnType<Record<string, unknown>, string | undefined, string>;
    occurred_at: Date;
    received_at: Generated<Date>;
    /** Order of writing (the ingest_seq sequence); null for events stored before 0020. */
    ingest_seq: ColumnType<string | null, never, never>;
  };
  consents: { workspace_id: string; profile_id: string; purpose: string; status: 'granted' | 'denied'; source: string; legal_basis: string; updated_at: Date };
  consent_history: { workspace_id: string; id: Generated<string>; profile_id: string; purpose: string; status: 'granted' | 'denied' | 'unknown'; source: string; legal_basis: string; message_id: string | null; recorded_at: Date; ingest_seq: Generated<BigIntColumn | null> };
  segments: { workspace_id: string; id: string; name: string; purpose: string; rule: ColumnType<unknown, string, string>; created_by: string; created_at: Generated<Date>; updated_at: Generated<Date>; deleted_at: Date | null };
  segment_snapshots: { workspace_id: string; segment_id: string; version: number; member_count: number; members_digest: string; computed_at: Date };
  segment_members: { workspace_id: string; segment_id: string; version: number; profile_id: string };
  privacy_requests: {
    workspace_id: string;
    id: string;
    kind: 'export' | 'erase';
    subject_kind: string;
    subject_hash: string;
    status: 'pending' | 'running' | 'completed' | 'failed';
    requested_by: string;
    created_at: Generated<Date>;
    completed_at: Date | null;
    result: ColumnType<unknown, string | null, string | null>;
    error: string | null;
  };
  /** A workspace's OpenID Provider for single sign-on; client_secret is sealed with the personal-data key. */
  oidc_configs: {
    workspace_id: string;
    issuer: string;
    client_id: string;
    client_secret: string | null;
    scopes: ColumnType<string[], string, string>;
    allowed_email_domains: ColumnType<string[], string, string>;
    role_claim: string | null;
    role_mapping: ColumnType<Record<string, string>, string, string>;
    default_role: string;
    jit_provisioning: boolean;
    updated_at: Generated<Date>;
    /** `client_secret` or `private_key_jwt` (then client_signing_key holds the workspace's private JWK, sealed). */
    client_auth: Generated<string>;
    client_signing_key: OptionalText;
  };
  /** OIDC sign-ins under way (state digest, nonce, PKCE verifier), claimed once by the callback. */
  oidc_sign_ins: { state_hash: string; workspace_id: string; nonce: string; code_verifier: string; client: string; expires_at: Date; /** Started from Studio's sign-in page: the authorization request to return to. */ authorization_request_id: OptionalText };
  /** Logout tokens already used (their jti), kept until they would be refused as too old anyway. */
  oidc_logout_tokens: { workspace_id: string; jti: string; expires_at: Date };
  /** A workspace's SAML identity provider for single sign-on (entity ID, SSO URL, public signing certificates). */
  saml_configs: {
    workspace_id: string;
    idp_entity_id: string;
    idp_sso_url: string;
    idp_certificates: ColumnType<string[], string, string>;
    allowed_email_domains: ColumnType<string[], string, string>;
    role_attribute: string | null;
    role_mapping: ColumnType<Record<string, string>, string, string>;
    default_role: string;
    jit_provisioning: boolean;
    allow_idp_initiated: boolean;
    updated_at: Generated<Date>;
  };
  /** SAML AuthnRequests under way, by ID; the response's InResponseTo claims one, once. */
  saml_requests: { id: string; workspace_id: string; client: string; expires_at: Date; /** Started from Studio's sign-in page: the authorization request to return to. */ authorization_request_id: OptionalText };
  /** Assertion IDs already used, kept until they would have expired, against replay. */
  saml_seen_assertions: { workspace_id: string; assertion_id: string; expires_at: Date };
  /** Studio's authorization requests under way, until the person allows or cancels (once). */
  oauth_requests: { id: string; client_id: string; redirect_uri: string; code_challenge: string; state: string; scope: string; created_at: Generated<Date>; expires_at: Date; decided_at: Date | null };
  /** What one Allow handed Studio: a code, then a refresh token and an access session (digests only), and the provider session it came from. */
  oauth_grants: {
    id: string;
    workspace_id: string;
    user_id: string;
    client_id: string;
    scope: string;
    code_hash: string;
    code_challenge: string;
    redirect_uri: string;
    code_expires_at: Date;
    code_used_at: Date | null;
    refresh_hash: string | null;
    access_token_hash: string | null;
    created_at: Generated<Date>;
    expires_at: Date;
    revoked_at: Date | null;
  } & ProviderSession;
  /** Every refresh token a grant had (digests): a rotated one used again is recognised. */
  oauth_refresh_tokens: { token_hash: string; grant_id: string; issued_at: Date };
  /** The Hub's copy of each record Studio syncs, with per-field stamps for the merge rule; `change_seq` orders pulls. */
  sync_records: {
    workspace_id: string;
    record_id: string;
    record_type: string;
    version: number;
    fields: ColumnType<Record<string, unknown>, string, string>;
    stamps: ColumnType<Record<string, FieldStamp>, string, string>;
    deleted: boolean;
    created_device: string;
    updated_at: Date;
    updated_by: string;
    change_seq: BigIntColumn;
  };
  /** Each workspace's last change number; its row lock puts pushes to one workspace in one line. */
  sync_sequences: { workspace_id: string; last_seq: ColumnType<string, number | string | undefined, number | string> };
  /** Values that lost a same-field conflict, and the fields deletes removed. */
  sync_record_history: { id: ColumnType<string, never, never>; workspace_id: string; record_id: string; mutation_id: string; entry: ColumnType<HistoryEntry, string, string>; recorded_at: Generated<Date> };
  /** A short preview clip (MP4) of a synced render, uploaded by Studio; `etag` is the digest of `bytes`. */
  render_previews: { workspace_id: string; render_id: string; bytes: Buffer; size: number; etag: string; uploaded_by: string; uploaded_at: Date };
  /** Mutations applied, by id, with the answer given (the idempotency key). */
  sync_applied_mutations: { workspace_id: string; mutation_id: string; device_id: string; result: ColumnType<PushResult, string, string>; applied_at: Date };
  /** Conversions from outside the event stream (CRM deals, the API), one per source and external id; attribution reads them beside conversion events. */
  external_conversions: {
    workspace_id: string;
    source: string;
    external_id: string;
    profile_id: string | null;
    name: string;
    /** numeric: read back as a string. */
    value: ColumnType<string, number | string, number | string>;
    currency: string;
    occurred_at: Date;
    properties: ColumnType<Record<string, unknown>, string | undefined, string>;
    received_at: Generated<Date>;
  };
  /** Attribution settings per workspace: channel grouping (null: the defaults), conversion events, lookback, reporting currency. */
  attribution_settings: {
    workspace_id: string;
    channel_rules: ColumnType<unknown, string | null, string | null>;
    conversion_events: ColumnType<unknown, string, string>;
    lookback_days: number;
    reporting_currency: string;
    updated_at: Date;
  };
  /** Spend per day, channel and campaign ('' for the whole channel); numeric read back as a string. */
  attribution_spend: { workspace_id: string; day: ColumnType<string, string, string>; channel: string; campaign: string; currency: string; amount: ColumnType<string, number | string, number | string>; source: string; imported_at: Date };
  /** Model runs and their reports (aggregates only). */
  attribution_runs: {
    workspace_id: string;
    id: string;
    models: ColumnType<string[], string, string>;
    /** The models' options (Markov order, time-decay half-life, position weights). */
    model_options: ColumnType<Record<string, unknown>, string | undefined, string>;
    grouping: 'channel' | 'campaign';
    from_at: Date;
    to_at: Date;
    status: 'queued' | 'running' | 'completed' | 'failed';
    job_id: string | null;
    report: ColumnType<unknown, string | null, string | null>;
    error: string | null;
    requested_by: string;
    created_at: Date;
    completed_at: Date | null;
  };
  /** A share of a segment withheld from a campaign; who is withheld follows from a stable hash. */
  attribution_holdouts: { workspace_id: string; id: string; name: string; campaign_id: string; segment_id: string; share: ColumnType<string, number | string, number | string>; created_by: string; created_at: Date };
  /** A campaign's tracking link and its one destination. */
  attribution_tracking_links: { workspace_id: string; id: string; campaign_id: string; channel: string; destination_url: string; created_by: string; created_at: Date; revoked_at: Date | null };
  /** How far a running job got. */
  job_progress: { workspace_id: string; job_id: string; done: ColumnType<string, number, number>; total: ColumnType<string | null, number | null, number | null>; phase: string | null; updated_at: Date };
  /** CRM accounts a workspace connected; settings hold base URLs, field mapping and withdrawal rule, credentials are sealed. */
  connector_connections: {
    workspace_id: string;
    id: string;
    kind: 'hubspot' | 'salesforce';
    name: string;
    status: 'awaiting-authorization' | 'connected' | 'failing';
    settings: ColumnType<Record<string, unknown>, string, string>;
    credentials_enc: string | null;
    pull_cursor: string | null;
    created_by: string;
    created_at: Date;
    updated_at: Date;
  };
  /** The segments each connection pushes. */
  connector_segments: { workspace_id: string; connection_id: string; segment_id: string };
  /** Customers pushed to a CRM: its record id, a keyed digest of the values sent, and what the next run owes the CRM. */
  connector_records: { workspace_id: string; connection_id: string; profile_id: string; crm_id: string; values_digest: string; state: 'active' | 'withdrawn' | 'erase-pending'; pushed_at: Date };
  /** Each sync run with its counts. */
  connector_runs: {
    workspace_id: string;
    id: string;
    connection_id: string;
    job_id: string | null;
    status: 'running' | 'completed' | 'failed';
    started_at: Date;
    finished_at: Date | null;
    pushed: Generated<number>;
    updated: Generated<number>;
    removed: Generated<number>;
    failed: Generated<number>;
    pulled: Generated<number>;
    rate_limited: Generated<number>;
    error: string | null;
  };
  /** Records a run could not sync, with the CRM's error (personal values masked); an admin retries them. */
  connector_dead_letters: { workspace_id: string; id: string; connection_id: string; run_id: string; profile_id: string; operation: 'push' | 'withdraw' | 'erase'; error: string; created_at: Date };
  /** Salesforce authorizations under way: the state's digest, claimed once by the callback. */
  connector_oauth_states: { state_hash: string; workspace_id: string; connection_id: string; expires_at: Date };
  /** A test of a campaign's variants; `definition` is the checked experiment definition, `weights` the traffic shares in force by variant id. */
  experiments: {
    workspace_id: string;
    id: string;
    campaign_id: string;
    name: string;
    status: 'draft' | 'running' | 'stopped' | 'decided';
    definition: ColumnType<unknown, string, string>;
    weights: ColumnType<Record<string, number>, string, string>;
    winner_variant_id: string | null;
    created_by: string;
    created_at: Date;
    updated_at: Date;
    started_at: Date | null;
    ended_at: Date | null;
  };
  /** Each change of an experiment's traffic weights (a start, a bandit run), with what it was computed from. */
  experiment_weights: { workspace_id: string; experiment_id: string; id: Generated<string>; weights: ColumnType<Record<string, number>, string, string>; reason: string; details: ColumnType<Record<string, unknown>, string | undefined, string>; recorded_at: Date };
  /** A proposed reallocation of a weekly budget (`request` what was asked, `advice` the answer); the newest approved one is the active budget plan. */
  budget_advice: {
    workspace_id: string;
    id: string;
    status: 'proposed' | 'approved' | 'rejected';
    request: ColumnType<unknown, string, string>;
    advice: ColumnType<unknown, string, string>;
    created_by: string;
    created_at: Date;
    decided_by: string | null;
    decided_at: Date | null;
    decision_note: string | null;
  };
  /** Each experiment's exposed units (customer ids) pre-aggregated: first exposure, the variant it named (as time·32 + position), the first one naming none. */
  experiment_rollup: { workspace_id: string; experiment_id: string; profile_id: string; first_at: Date; named_key: BigIntColumn | null; unnamed_us: BigIntColumn | null; stale: Generated<boolean>; counted: Generated<number | null> };
  /** Per unit and metric index: events counted from the first exposure on, and the sum of their value (units with none have no row). */
  experiment_rollup_outcomes: { workspace_id: string; experiment_id: string; profile_id: string; metric_index: number; events: number; value: number };
  /** How far each experiment's rollup got (complete for ingest_seq below through_seq) and the definition shape it was built for. */
  experiment_rollup_state: { workspace_id: string; experiment_id: string; shape: string; through_seq: BigIntColumn; built_at: Date; totals_basis: string | null };
  /** Per experiment and variant position: units counted (metric_index -1) and, per metric, units with an outcome and the sums of value and value². */
  experiment_rollup_totals: { workspace_id: string; experiment_id: string; position: number; metric_index: number; units: BigIntColumn; value: string; value_squares: string };
  /** The number each change to a workspace's identity-resolution state takes under its ingest lock, and the one it replaced. */
  ingest_versions: { workspace_id: string; previous: BigIntColumn | null; version: BigIntColumn };
}
