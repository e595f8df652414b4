import { z } from 'zod';
import { upgradeDocument, type UpgradeStep } from '../versioning';
import { parseOrThrow } from '../validation';

export const CAMPAIGN_VERSION = 1;

/** Upgrade steps for stored campaigns; append one per version bump, never edit a released one. */
export const campaignUpgradeSteps: readonly UpgradeStep[] = [];

export const campaignObjectives = ['awareness', 'consideration', 'conversion', 'retention'] as const;
export const campaignChannels = [
  'instagram',
  'tiktok',
  'youtube',
  'facebook',
  'linkedin',
  'x',
  'pinterest',
  'snapchat',
  'email',
  'display',
] as const;
export const campaignStatuses = ['active', 'archived'] as const;

export type CampaignObjective = (typeof campaignObjectives)[number];
export type CampaignChannel = (typeof campaignChannels)[number];
export type CampaignStatus = (typeof campaignStatuses)[number];

const name = z
  .string()
  .trim()
  .min(1, 'a campaign needs a name')
  .max(120, 'keep the name under 120 characters');
const isoDate = z.iso.date('use a date like 2026-03-31');
const channels = z
  .array(z.enum(campaignChannels))
  .max(campaignChannels.length)
  .refine((list) => new Set(list).size === list.length, 'each channel may appear once');

/** The Hub segments a campaign targets (synced; their members arrive consent-filtered). */
const segmentIds = z
  .array(z.string().min(1).max(128))
  .max(50, 'a campaign targets at most 50 segments')
  .refine((list) => new Set(list).size === list.length, 'each segment may appear once');

/**
 * The creative the campaign shows now, set by the Hub when an experiment's
 * winner is promoted (Studio never edits it; it arrives through sync).
 */
export const activeCreativeSchema = z.object({
  recordType: z.enum(['render', 'composition', 'persona', 'script']),
  recordId: z.string().min(1).max(64),
  experimentId: z.string().min(1).max(64),
  variantId: z.string().min(1).max(64),
  promotedAt: z.iso.datetime({ offset: true }),
});
export type ActiveCreative = z.infer<typeof activeCreativeSchema>;

const editableFields = {
  name,
  objective: z.enum(campaignObjectives),
  channels,
  startDate: isoDate.nullable(),
  endDate: isoDate.nullable(),
  segmentIds,
};

function datesInOrder(value: { startDate?: string | null; endDate?: string | null }): boolean {
  return !value.startDate || !value.endDate || value.endDate >= value.startDate;
}
const dateOrderIssue = { message: 'must be on or after the start date', path: ['endDate'] };

export const campaignSchema = z
  .object({
    version: z.literal(CAMPAIGN_VERSION),
    id: z.uuid(),
    ...editableFields,
    // Campaigns stored before segments could be targeted have none.
    segmentIds: segmentIds.default([]),
    status: z.enum(campaignStatuses),
    /** Set by the Hub on promotion; absent until an experiment's winner is promoted. */
    activeCreative: activeCreativeSchema.optional(),
    /** Record revision: bumped on every change, it is the base version a sync mutation names. */
    rev: z.number().int().min(1),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .refine(datesInOrder, dateOrderIssue);
export type Campaign = z.infer<typeof campaignSchema>;

export const campaignDraftSchema = z
  .object({
    name,
    objective: editableFields.objective.default('awareness'),
    channels: channels.default([]),
    startDate: editableFields.startDate.default(null),
    endDate: editableFields.endDate.default(null),
    segmentIds: segmentIds.default([]),
  })
  .strict()
  .refine(datesInOrder, dateOrderIssue);
export type CampaignDraft = z.input<typeof campaignDraftSchema>;

export const campaignPatchSchema = z
  .object({ ...editableFields, status: z.enum(campaignStatuses) })
  .partial()
  .strict();
export type CampaignPatch = z.input<typeof campaignPatchSchema>;
export type CampaignChanges = Partial<Pick<Campaign, keyof z.infer<typeof campaignPatchSchema>>>;

export function createCampaign(options: { draft: CampaignDraft; id: string; now: Date }): Campaign {
  const draft = parseOrThrow(campaignDraftSchema, options.draft, 'campaign');
  const at = options.now.toISOString();
  return parseOrThrow(
    campaignSchema,
    { version: CAMPAIGN_VERSION, id: options.id, ...draft, status: 'active', rev: 1, createdAt: at, updatedAt: at },
    'campaign',
  );
}

/**
 * Applies a patch and returns the new campaign with only the fields that really
 * changed; an empty `changes` means nothing to write and no revision bump.
 */
export function applyCampaignPatch(options: { campaign: Campaign; patch: CampaignPatch; now: Date }): {
  campaign: Campaign;
  changes: CampaignChanges;
} {
  const patch = parseOrThrow(campaignPatchSchema, options.patch, 'campaign change');
  const changes: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    const before = options.campaign[field as keyof Campaign];
    if (JSON.stringify(before) !== JSON.stringify(value)) changes[field] = value;
  }
  if (Object.keys(changes).length === 0) return { campaign: options.campaign, changes: {} };
  const campaign = parseOrThrow(
    campaignSchema,
    { ...options.campaign, ...changes, rev: options.campaign.rev + 1, updatedAt: options.now.toISOString() },
    'campaign',
  );
  return { campaign, changes: changes as CampaignChanges };
}

/** Reads a stored campaign of any known version. */
export function parseStoredCampaign(raw: unknown): Campaign {
  const doc = upgradeDocument({ kind: 'campaign', doc: raw, currentVersion: CAMPAIGN_VERSION, steps: campaignUpgradeSteps });
  return parseOrThrow(campaignSchema, doc, 'stored campaign');
}

export interface CampaignQuery {
  text?: string;
  status?: CampaignStatus | 'all';
}

export function matchesCampaignQuery(campaign: Campaign, query: CampaignQuery): boolean {
  const status = query.status ?? 'active';
  if (status !== 'all' && campaign.status !== status) return false;
  const text = query.text?.trim().toLocaleLowerCase();
  if (!text) return true;
  return [campaign.name, campaign.objective, ...campaign.channels].some((field) =>
    field.toLocaleLowerCase().includes(text),
  );
}
