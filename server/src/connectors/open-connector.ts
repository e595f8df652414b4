import * as store from '../db/connector-store';
import type { ConnectionRow } from '../db/connector-store';
import type { Connector } from './connector';
import { openCredentials, sealCredentials, type ConnectorCredentials } from './credentials';
import { hubspotConnector } from './hubspot';
import { salesforceConnector } from './salesforce';
import { hubspotSettingsSchema, salesforceSettingsSchema } from './settings';
import type { ConnectorServices } from './sync-run';

/** Calls to a CRM: how many retries and how long the first back-off (tests shorten it). */
export interface ConnectorOptions {
  retries?: number;
  minDelayMs?: number;
}

/** The connector for a stored connection, with its credentials opened; refreshed Salesforce tokens are sealed and saved. */
export function openConnector(services: ConnectorServices, connection: ConnectionRow): Connector {
  const credentials = openCredentials(services.cipher, connection.credentials_enc!);
  const options = services.connectorOptions ?? {};
  const save = async (renewed: ConnectorCredentials) => {
    await store.updateConnection(services.db, connection.workspace_id, connection.id, { credentials_enc: sealCredentials(services.cipher, renewed) }, services.now());
  };
  if (connection.kind === 'hubspot') {
    if (credentials.kind !== 'hubspot-private-app' && credentials.kind !== 'hubspot-oauth') throw new Error(`Connection ${connection.id} holds no HubSpot token.`);
    return hubspotConnector({ settings: hubspotSettingsSchema.parse(connection.settings), credentials, ...options, saveCredentials: save });
  }
  if (credentials.kind !== 'salesforce-oauth') throw new Error(`Connection ${connection.id} holds no Salesforce authorization.`);
  return salesforceConnector({
    settings: salesforceSettingsSchema.parse(connection.settings),
    credentials,
    ...options,
    saveCredentials: save,
  });
}
