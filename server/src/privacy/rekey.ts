import type { Kysely } from 'kysely';
import { z } from 'zod';
import { systemWorkspaceId, type JobQueue } from '../jobs/queue';
import { replaceSealedValue, sealedColumns, valuesSealedWithOtherKeys } from '../db/rekey-store';
import type { HubSchema } from '../db/schema';
import type { PersonalDataCipher } from './personal-data';

/**
 * After a data key rotation (a new key first in KATA_HUB_DATA_KEYS), seals
 * every personal value again with the new key, a page at a time, so the old
 * key can then be dropped from the list. Returns how many values moved.
 */
export async function resealPersonalData(db: Kysely<HubSchema>, cipher: PersonalDataCipher, options: { pageSize?: number } = {}): Promise<{ resealed: number }> {
  // With a single key there is nothing else anything could be sealed with (it would not open), so skip the table scans.
  if (!cipher.hasRetiredKeys) return { resealed: 0 };
  const pageSize = options.pageSize ?? 1_000;
  let resealed = 0;
  for (const target of sealedColumns) {
    for (;;) {
      const page = await valuesSealedWithOtherKeys(db, target, cipher.currentKeyId, pageSize);
      for (const row of page) await replaceSealedValue(db, target, row.key, row.sealed, cipher.encrypt(cipher.decrypt(row.sealed)));
      resealed += page.length;
      if (page.length < pageSize) break;
    }
  }
  return { resealed };
}

/** The reseal as a job: nightly, and at a start that lists older keys, so a rotation takes effect without waiting. */
export async function defineResealJob(jobs: JobQueue, services: { db: Kysely<HubSchema>; cipher: PersonalDataCipher }): Promise<void> {
  await jobs.define({ name: 'privacy.reseal', data: z.object({}), singleton: true, retryLimit: 3, retryDelaySeconds: 60, run: () => resealPersonalData(services.db, services.cipher) });
  await jobs.schedule('privacy.reseal', '23 4 * * *', {});
  if (services.cipher.hasRetiredKeys) await jobs.send('privacy.reseal', systemWorkspaceId, {});
}
