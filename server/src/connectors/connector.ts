import type { CallStats } from './crm-http';

/** A customer as a CRM receives it: the mapped properties (already decrypted) and the Hub's profile id. */
export interface OutgoingContact {
  profileId: string;
  properties: Record<string, string>;
}

/** What a CRM said about one record of a batch. */
export type RecordOutcome = { profileId: string; ok: true; crmId: string; created: boolean } | { profileId: string; ok: false; error: string };

/** A closed-won deal or opportunity, as pulled. */
export interface PulledConversion {
  externalId: string;
  name: string;
  amount: number;
  currency: string;
  closedAt: Date;
  /** The CRM record of the customer it belongs to, and what the CRM knows of them, to link it to a profile. */
  contactCrmId: string | null;
  contactEmail: string | null;
  contactExternalId: string | null;
}

/** One page of pulled conversions and the cursor to save once they are stored. */
export interface ConversionPage {
  conversions: PulledConversion[];
  cursor: string;
}

/**
 * A CRM behind one interface: push customers, update or remove them, pull
 * closed-won deals, report health. HubSpot and Salesforce implement it;
 * Dynamics, Pipedrive or Zoho would be one more module.
 */
export interface Connector {
  readonly kind: 'hubspot' | 'salesforce';
  /** The most records one batch call takes (HubSpot 100, Salesforce collections 200). */
  readonly batchSize: number;
  readonly stats: CallStats;
  /** Whether the credentials work (refreshing them if they expired), with a sentence for the admin. */
  health(): Promise<{ ok: boolean; detail: string }>;
  /** Creates or updates these customers (by email for HubSpot, by the external id field for Salesforce). */
  upsert(contacts: OutgoingContact[]): Promise<RecordOutcome[]>;
  /** Changes fields of records already in the CRM (a withdrawn consent, when configured to update). */
  update(records: { profileId: string; crmId: string; properties: Record<string, string> }[]): Promise<RecordOutcome[]>;
  /** Removes records from the CRM: `erase` asks for permanent deletion where the CRM has it (GDPR delete). */
  remove(records: { profileId: string; crmId: string }[], reason: 'withdraw' | 'erase'): Promise<RecordOutcome[]>;
  /** Closed-won conversions changed at or after the cursor, oldest change first, page by page. */
  pullConversions(cursor: string | null): AsyncIterable<ConversionPage>;
}

/** Where a mapped CRM property takes its value from. */
export type ProfileField = 'email' | 'phone' | 'name' | 'firstName' | 'lastName' | 'profileId' | `traits.${string}`;
