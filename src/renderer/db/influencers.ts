import { duplicatePersona, parsePersona, type Persona } from '../../shared/influencer/persona';
import { parseScript, type Script } from '../../shared/influencer/script';
import type { SyncedRecordType } from '../../shared/sync/mutation';
import type { KataDatabase } from './database';
import { enqueueMutation, outboxTables, systemClock, type Clock } from './outbox';

export interface StoredPersona {
  id: string;
  campaignId: string | null;
  updatedAt: string;
  document: Persona;
  [field: string]: unknown;
}

export interface StoredScript {
  id: string;
  personaId: string;
  updatedAt: string;
  document: Script;
  [field: string]: unknown;
}

/** Top-level fields that differ, for the outbox. */
function changedFields(before: Record<string, unknown> | undefined, after: Record<string, unknown>): Record<string, unknown> {
  if (!before) return after;
  return Object.fromEntries(Object.entries(after).filter(([key, value]) => JSON.stringify(value) !== JSON.stringify(before[key])));
}

/** Personas and their scripts in the local database; each save writes the record and its outbox entry together. */
export function influencerRepository(db: KataDatabase, clock: Clock = systemClock) {
  async function write(recordType: SyncedRecordType, table: typeof db.personas | typeof db.scripts, record: StoredPersona | StoredScript, document: Persona | Script) {
    await db.transaction('rw', [table, ...outboxTables(db)], async () => {
      const before = (await table.get(record.id)) as (StoredPersona | StoredScript) | undefined;
      const changes = changedFields(before?.document as Record<string, unknown> | undefined, document as unknown as Record<string, unknown>);
      await table.put(record);
      if (Object.keys(changes).length > 0) await enqueueMutation({ db, clock, recordType, recordId: record.id, op: before ? 'update' : 'create', changes });
    });
  }

  return {
    async savePersona(document: Persona, campaignId: string | null = document.brand.campaignId ?? null): Promise<StoredPersona> {
      const persona = parsePersona(document);
      const record: StoredPersona = { id: persona.id, campaignId, updatedAt: clock.now().toISOString(), document: persona };
      await write('persona', db.personas, record, persona);
      return record;
    },
    async createPersona(options: { name: string; handle: string; niche: string; campaignId?: string }): Promise<StoredPersona> {
      const persona = parsePersona({ version: 1, id: clock.newId(), name: options.name, handle: options.handle, niche: options.niche, brand: { campaignId: options.campaignId } });
      return this.savePersona(persona, options.campaignId ?? null);
    },
    async duplicatePersona(id: string): Promise<StoredPersona> {
      const stored = (await db.personas.get(id)) as StoredPersona | undefined;
      if (!stored) throw new Error(`No persona with id ${id}`);
      return this.savePersona(duplicatePersona(parsePersona(stored.document), clock.newId()), stored.campaignId);
    },
    async listPersonas(): Promise<StoredPersona[]> {
      const all = (await db.personas.toArray()) as StoredPersona[];
      return all.map((p) => ({ ...p, document: parsePersona(p.document) })).sort((a, b) => a.document.name.localeCompare(b.document.name));
    },
    async saveScript(document: Script): Promise<StoredScript> {
      const script = parseScript(document);
      const record: StoredScript = { id: script.id, personaId: script.personaId, updatedAt: clock.now().toISOString(), document: script };
      await write('script', db.scripts, record, script);
      return record;
    },
    async listScripts(personaId: string): Promise<StoredScript[]> {
      const all = (await db.scripts.where('personaId').equals(personaId).toArray()) as StoredScript[];
      return all.map((s) => ({ ...s, document: parseScript(s.document) })).sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
    },
  };
}

export type InfluencerRepository = ReturnType<typeof influencerRepository>;
