import { z } from 'zod';

const propertyName = z.string().regex(/^[A-Za-z][\w]{0,99}$/, 'must be a CRM field name (letters, digits, _)');
const profileField = z
  .string()
  .regex(/^(email|phone|name|firstName|lastName|profileId|traits\.[\w-]{1,64})$/, 'must be email, phone, name, firstName, lastName, profileId or traits.<name>')
  .describe('Where the value comes from: a field of the customer profile, or one of its traits');
const fieldMapping = z.record(propertyName, profileField).refine((m) => Object.keys(m).length <= 50, 'map at most 50 fields');
const withdrawalProperties = z.record(propertyName, z.union([z.string().max(200), z.boolean()]));
const httpUrl = z.url({ protocol: /^https?$/ }).max(300);

/** What an admin configures on a HubSpot connection. */
export const hubspotSettingsSchema = z.object({
  baseUrl: httpUrl.default('https://api.hubapi.com'),
  /** Where an admin allows an OAuth app (a public app instead of a private-app token). */
  authUrl: httpUrl.default('https://app.hubspot.com'),
  /** HubSpot property → profile field; `email` is required, as contacts are upserted by email. */
  fieldMapping: fieldMapping.default({ email: 'email', firstname: 'firstName', lastname: 'lastName', phone: 'phone' }).refine((m) => m.email === 'email', 'must map the HubSpot property "email" to the profile field email (contacts are matched by it)'),
  /** A withdrawn consent archives the contact (`delete`) or sets `withdrawalProperties` on it (`update`). */
  onWithdrawal: z.enum(['delete', 'update']).default('delete'),
  withdrawalProperties: withdrawalProperties.default({}),
  /** The account's limit, until HubSpot's X-HubSpot-RateLimit-* headers tell (private apps: 100 to 250 per 10 s). */
  requestsPer10Seconds: z.number().int().min(1).max(1000).default(100),
});
export type HubspotSettings = z.infer<typeof hubspotSettingsSchema>;

/** What an admin configures on a Salesforce connection. */
export const salesforceSettingsSchema = z.object({
  /** Where people sign in and tokens are refreshed (https://login.salesforce.com, or test. for a sandbox). */
  loginUrl: httpUrl.default('https://login.salesforce.com'),
  apiVersion: z.string().regex(/^v\d{2}\.\d$/, 'must look like v61.0').default('v61.0'),
  sobject: z.enum(['Contact', 'Lead']).default('Contact'),
  /** The external id field that holds the Hub's profile id (upsert key). */
  externalIdField: z.string().regex(/^[A-Za-z]\w{0,37}__c$/, 'must be a custom field name ending in __c').default('Kata_Id__c'),
  fieldMapping: fieldMapping.default({ Email: 'email', FirstName: 'firstName', LastName: 'lastName', Phone: 'phone' }),
  onWithdrawal: z.enum(['delete', 'update']).default('update'),
  withdrawalProperties: withdrawalProperties.default({ HasOptedOutOfEmail: true }),
  /** Currency of amounts when the org has no multi-currency (CurrencyIsoCode). */
  currency: z.string().regex(/^[A-Z]{3}$/).default('USD'),
}).superRefine((settings, ctx) => {
  // Salesforce refuses a Contact without LastName and a Lead without LastName and Company (REQUIRED_FIELD_MISSING).
  for (const field of settings.sobject === 'Lead' ? ['LastName', 'Company'] : ['LastName']) {
    if (!settings.fieldMapping[field]) ctx.addIssue({ code: 'custom', path: ['fieldMapping', field], message: `a ${settings.sobject} needs ${field}: map it to a profile field` });
  }
});
export type SalesforceSettings = z.infer<typeof salesforceSettingsSchema>;
