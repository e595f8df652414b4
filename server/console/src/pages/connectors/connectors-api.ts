/** GET /v1/connectors: a CRM connection (never its credentials). */
export interface Connection {
  id: string;
  kind: 'hubspot' | 'salesforce';
  name: string;
  status: 'awaiting-authorization' | 'connected' | 'failing';
  settings: { fieldMapping?: Record<string, string>; onWithdrawal?: 'delete' | 'update'; baseUrl?: string; loginUrl?: string; sobject?: string } & Record<string, unknown>;
  segmentIds: string[];
  pullCursor: string | null;
  createdAt: string;
  updatedAt: string;
}

/** POST /v1/connectors/{hubspot,salesforce}: an OAuth connection comes back with where to authorize it. */
export interface CreatedConnection extends Connection {
  authorizeUrl?: string;
  callbackUrl?: string;
}

/** GET /v1/connectors/:id/runs. */
export interface ConnectorRun {
  id: string;
  jobId: string | null;
  status: 'running' | 'completed' | 'failed';
  startedAt: string;
  finishedAt: string | null;
  pushed: number;
  updated: number;
  removed: number;
  failed: number;
  pulled: number;
  rateLimited: number;
  error: string | null;
}

/** GET /v1/connectors/:id/dead-letters. */
export interface DeadLetter {
  id: string;
  runId: string;
  profileId: string;
  operation: string;
  error: string;
  createdAt: string;
}

export const connectorsKey = ['connectors'] as const;
export const crmName = (kind: Connection['kind']) => (kind === 'hubspot' ? 'HubSpot' : 'Salesforce');
export const statusText: Record<Connection['status'], string> = { 'awaiting-authorization': 'awaiting authorization', connected: 'connected', failing: 'failing' };

/** The profile fields a CRM field can take its value from (connectors/settings.ts); traits.<name> for any trait. */
export const profileFields = ['email', 'phone', 'name', 'firstName', 'lastName', 'profileId'] as const;
