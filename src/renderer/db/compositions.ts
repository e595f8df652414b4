import { compositionUpgradeSteps } from '../../shared/composition/composition';
import { newComposition } from '../../shared/composition/new-composition';
import type { PresetId } from '../../shared/composition/presets';
import { COMPOSITION_VERSION, compositionSchema, type Composition } from '../../shared/composition/schema';
import { parseOrThrow } from '../../shared/validation';
import { upgradeDocument } from '../../shared/versioning';
import type { KataDatabase } from './database';
import { enqueueMutation, outboxTables, systemClock, type Clock } from './outbox';

/** A composition as kept locally: the document, plus what lists and sync need. */
export interface StoredComposition {
  id: string;
  campaignId: string;
  name: string;
  updatedAt: string;
  document: Composition;
  [field: string]: unknown;
}

/** What the Hub hears about a composition: its metadata, never the whole document. */
function metadata(record: StoredComposition) {
  const { document } = record;
  return { name: record.name, campaignId: record.campaignId, preset: document.preset ?? null, durationSeconds: document.canvas.duration };
}

export function readComposition(raw: unknown): Composition {
  const doc = upgradeDocument({ kind: 'composition', doc: raw, currentVersion: COMPOSITION_VERSION, steps: compositionUpgradeSteps });
  return parseOrThrow(compositionSchema, doc, 'stored composition');
}

/** Compositions in the local database. Saving writes the document; metadata changes also go to the outbox, in the same transaction. */
export function compositionRepository(db: KataDatabase, clock: Clock = systemClock) {
  return {
    async create(options: { campaignId: string; name: string; preset: PresetId }): Promise<StoredComposition> {
      const id = clock.newId();
      const record: StoredComposition = { id, campaignId: options.campaignId, name: options.name, updatedAt: clock.now().toISOString(), document: newComposition({ id, name: options.name, preset: options.preset }) };
      await db.transaction('rw', [db.compositions, ...outboxTables(db)], async () => {
        await db.compositions.add(record);
        await enqueueMutation({ db, clock, recordType: 'composition', recordId: id, op: 'create', changes: metadata(record) });
      });
      return record;
    },

    async get(id: string): Promise<StoredComposition | undefined> {
      const raw = (await db.compositions.get(id)) as StoredComposition | undefined;
      return raw ? { ...raw, document: readComposition(raw.document) } : undefined;
    },

    /** Autosave: the whole document, every edit. Refuses a document that is not a composition, keeping the stored one. */
    async save(id: string, document: Composition): Promise<StoredComposition> {
      const parsed = parseOrThrow(compositionSchema, document, 'composition');
      return db.transaction('rw', [db.compositions, ...outboxTables(db)], async () => {
        const before = (await db.compositions.get(id)) as StoredComposition | undefined;
        if (!before) throw new Error(`No composition with id ${id}; it may have been deleted.`);
        const record: StoredComposition = { ...before, name: parsed.name, document: parsed, updatedAt: clock.now().toISOString() };
        await db.compositions.put(record);
        const changed = Object.fromEntries(Object.entries(metadata(record)).filter(([key, value]) => JSON.stringify(value) !== JSON.stringify(metadata(before)[key as keyof ReturnType<typeof metadata>])));
        if (Object.keys(changed).length > 0) await enqueueMutation({ db, clock, recordType: 'composition', recordId: id, op: 'update', changes: changed });
        return record;
      });
    },

    /** Newest first. */
    async listForCampaign(campaignId: string): Promise<StoredComposition[]> {
      const records = (await db.compositions.where('campaignId').equals(campaignId).toArray()) as StoredComposition[];
      return records.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
    },
  };
}

export type CompositionRepository = ReturnType<typeof compositionRepository>;
