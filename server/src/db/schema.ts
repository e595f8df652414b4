import type { Generated } from 'kysely';

/** The Hub's tables as Kysely sees them; every row that belongs to a tenant carries its workspace. */
export interface HubSchema {
  workspaces: { id: string; name: string; created_at: Generated<Date> };
  audit_events: {
    workspace_id: string;
    sequence: number;
    event: unknown;
    previous_hash: string;
    hash: string;
    recorded_at: Generated<Date>;
  };
}
