import { z } from 'zod';
import { readAttributionSettings, type ConversionEventSetting } from '../db/attribution-store';
import type { HubServices } from '../http/services';
import { channelGroupingSchema, defaultChannelGrouping, type ChannelGrouping } from './touchpoints';

export const currencyCode = z
  .string()
  .regex(/^[A-Za-z]{3}$/, 'use a three-letter ISO 4217 code, e.g. EUR')
  .transform((c) => c.toUpperCase());

export const conversionEventSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    valueProperty: z.string().min(1).max(100).default('revenue'),
    currencyProperty: z.string().min(1).max(100).default('currency'),
  })
  .strict();

/** What a workspace may change; every field is optional on PUT, the rest keeps its value. */
export const attributionSettingsInput = z
  .object({
    /** null puts the default grouping back. */
    channelGrouping: channelGroupingSchema.nullable().optional(),
    conversionEvents: z
      .array(conversionEventSchema)
      .max(50)
      .refine((list) => new Set(list.map((c) => c.name)).size === list.length, 'each event name may appear once')
      .optional(),
    lookbackDays: z.number().int().min(1).max(365).optional(),
    reportingCurrency: currencyCode.optional(),
  })
  .strict();

export interface AttributionSettings {
  channelGrouping: ChannelGrouping;
  /** True while the workspace uses the default grouping. */
  defaultGrouping: boolean;
  conversionEvents: ConversionEventSetting[];
  lookbackDays: number;
  reportingCurrency: string;
}

/** Until a workspace says otherwise: Segment's "Order Completed" with its revenue, 30 days, USD. */
export const defaultConversionEvents: ConversionEventSetting[] = [{ name: 'Order Completed', valueProperty: 'revenue', currencyProperty: 'currency' }];

export async function attributionSettingsOf(services: Pick<HubServices, 'db'>, workspaceId: string): Promise<AttributionSettings> {
  const stored = await readAttributionSettings(services.db, workspaceId);
  const grouping = stored?.channelRules ? channelGroupingSchema.safeParse(stored.channelRules) : null;
  return {
    channelGrouping: grouping?.success ? grouping.data : defaultChannelGrouping,
    defaultGrouping: !grouping?.success,
    conversionEvents: stored?.conversionEvents ?? defaultConversionEvents,
    lookbackDays: stored?.lookbackDays ?? 30,
    reportingCurrency: stored?.reportingCurrency ?? 'USD',
  };
}
