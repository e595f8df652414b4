import type { ActiveCreative } from '../../shared/campaign/campaign';
import type { KataDatabase } from './database';

/**
 * The name the user gave the Studio record a creative points at: a persona's
 * name, a script's title, a composition's name. Null when this device does not
 * hold it (renders live in main's history, not here).
 */
export async function creativeNameOf(db: KataDatabase, ref: Pick<ActiveCreative, 'recordType' | 'recordId'>): Promise<string | null> {
  const text = (value: unknown) => (typeof value === 'string' && value.trim() ? value : null);
  switch (ref.recordType) {
    case 'persona':
      return text(((await db.personas.get(ref.recordId))?.document as { name?: unknown } | undefined)?.name);
    case 'script':
      return text(((await db.scripts.get(ref.recordId))?.document as { title?: unknown } | undefined)?.title);
    case 'composition':
      return text(((await db.compositions.get(ref.recordId)) as { name?: unknown } | undefined)?.name);
    default:
      return null;
  }
}
