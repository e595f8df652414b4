import { z } from 'zod';
import type { PersonalDataCipher } from '../privacy/personal-data';

/** A connection's secrets; sealed with the personal-data key ring at rest, never returned by the API. */
export const credentialsSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('hubspot-private-app'), accessToken: z.string().min(1) }),
  z.object({
    kind: z.literal('hubspot-oauth'),
    clientId: z.string().min(1),
    clientSecret: z.string().min(1),
    accessToken: z.string().nullable(),
    refreshToken: z.string().nullable(),
    /** When the access token stops working (HubSpot's last 30 minutes). */
    expiresAt: z.string().nullable(),
  }),
  z.object({
    kind: z.literal('salesforce-oauth'),
    clientId: z.string().min(1),
    clientSecret: z.string().min(1),
    accessToken: z.string().nullable(),
    refreshToken: z.string().nullable(),
    /** The org's own address, from the token answer (`instance_url`). */
    instanceUrl: z.string().nullable(),
  }),
]);
export type ConnectorCredentials = z.infer<typeof credentialsSchema>;

export function sealCredentials(cipher: PersonalDataCipher, credentials: ConnectorCredentials): string {
  return cipher.encrypt(JSON.stringify(credentials));
}

export function openCredentials(cipher: PersonalDataCipher, sealed: string): ConnectorCredentials {
  return credentialsSchema.parse(JSON.parse(cipher.decrypt(sealed)));
}
