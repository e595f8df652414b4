import {
  applyCampaignPatch,
  createCampaign,
  matchesCampaignQuery,
  parseStoredCampaign,
  type Campaign,
  type CampaignDraft,
  type CampaignPatch,
  type CampaignQuery,
} from '../../shared/campaign/campaign';
import type { KataDatabase } from './database';
import { enqueueMutation, outboxTables, systemClock, type Clock } from './outbox';

function readable(raw: unknown): Campaign | null {
  try {
    return parseStoredCampaign(raw);
  } catch {
    return null;
  }
}

export class CampaignNotFoundError extends Error {
  override name = 'CampaignNotFoundError';
  constructor(readonly id: string) {
    super(`No campaign with id ${id}; it may have been deleted.`);
  }
}

/** A campaign as the Hub keeps it: `rev` and `updatedAt` count this device's own changes and stay local. */
export function syncedCampaignFields(campaign: Record<string, unknown>): Record<string, unknown> {
  const { rev: _rev, updatedAt: _updatedAt, ...synced } = campaign;
  return synced;
}

/** Campaigns in the local database. Every change writes the campaign and its outbox entry in one transaction. */
export function campaignRepository(db: KataDatabase, clock: Clock = systemClock) {
  async function update(id: string, patch: CampaignPatch): Promise<Campaign> {
    return db.transaction('rw', [db.campaigns, ...outboxTables(db)], async () => {
      const stored = await db.campaigns.get(id);
      if (!stored) throw new CampaignNotFoundError(id);
      const before = parseStoredCampaign(stored);
      const { campaign, changes } = applyCampaignPatch({ campaign: before, patch, now: clock.now() });
      if (Object.keys(changes).length === 0) return before;
      await db.campaigns.put(campaign);
      await enqueueMutation({ db, clock, recordType: 'campaign', recordId: id, op: 'update', changes });
      return campaign;
    });
  }

  return {
    async create(draft: CampaignDraft): Promise<Campaign> {
      const campaign = createCampaign({ draft, id: clock.newId(), now: clock.now() });
      await db.transaction('rw', [db.campaigns, ...outboxTables(db)], async () => {
        await db.campaigns.add(campaign);
        await enqueueMutation({ db, clock, recordType: 'campaign', recordId: campaign.id, op: 'create', changes: syncedCampaignFields(campaign) });
      });
      return campaign;
    },

    update,
    rename: (id: string, name: string) => update(id, { name }),
    archive: (id: string) => update(id, { status: 'archived' }),
    restore: (id: string) => update(id, { status: 'active' }),

    async get(id: string): Promise<Campaign | undefined> {
      const stored = await db.campaigns.get(id);
      return stored ? parseStoredCampaign(stored) : undefined;
    },

    /** Most recently changed first; records that cannot be read are left out (see `unreadable`). */
    async list(query: CampaignQuery = {}): Promise<Campaign[]> {
      const stored = await db.campaigns.orderBy('updatedAt').reverse().toArray();
      return stored.flatMap((raw) => {
        const campaign = readable(raw);
        return campaign && matchesCampaignQuery(campaign, query) ? [campaign] : [];
      });
    },

    /** Stored records this Studio cannot read (damaged, or saved by a newer version); kept untouched. */
    async unreadable(): Promise<{ id: string; problem: string }[]> {
      const stored = await db.campaigns.toArray();
      return stored.flatMap((raw) => {
        try {
          parseStoredCampaign(raw);
          return [];
        } catch (error) {
          return [{ id: String((raw as { id?: unknown }).id), problem: (error as Error).message }];
        }
      });
    },
  };
}

export type CampaignRepository = ReturnType<typeof campaignRepository>;
