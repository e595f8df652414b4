import { createHash } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { HubSchema } from './schema';

/** Preview clips of synced renders, one per render record; every query scoped by workspace. */
type Db = Kysely<HubSchema> | Transaction<HubSchema>;

export interface RenderPreview {
  bytes: Buffer;
  etag: string;
  size: number;
  uploadedAt: Date;
}

/** Whether the workspace holds a render record of that id that is not deleted (a preview needs one). */
export async function liveRenderExists(db: Db, workspaceId: string, renderId: string): Promise<boolean> {
  const row = await db
    .selectFrom('sync_records')
    .select('record_id')
    .where('workspace_id', '=', workspaceId)
    .where('record_id', '=', renderId)
    .where('record_type', '=', 'render')
    .where('deleted', '=', false)
    .executeTakeFirst();
  return row !== undefined;
}

/** Saves (or replaces) a render's preview; returns its etag, the digest of the bytes. */
export async function saveRenderPreview(db: Db, preview: { workspaceId: string; renderId: string; bytes: Buffer; uploadedBy: string; now: Date }): Promise<{ etag: string; size: number }> {
  const etag = createHash('sha256').update(preview.bytes).digest('base64url').slice(0, 32);
  const row = { bytes: preview.bytes, size: preview.bytes.length, etag, uploaded_by: preview.uploadedBy, uploaded_at: preview.now };
  await db
    .insertInto('render_previews')
    .values({ workspace_id: preview.workspaceId, render_id: preview.renderId, ...row })
    .onConflict((oc) => oc.columns(['workspace_id', 'render_id']).doUpdateSet(row))
    .execute();
  return { etag, size: row.size };
}

export async function renderPreview(db: Db, workspaceId: string, renderId: string): Promise<RenderPreview | null> {
  const row = await db.selectFrom('render_previews').select(['bytes', 'etag', 'size', 'uploaded_at']).where('workspace_id', '=', workspaceId).where('render_id', '=', renderId).executeTakeFirst();
  return row ? { bytes: Buffer.from(row.bytes), etag: row.etag, size: row.size, uploadedAt: row.uploaded_at } : null;
}

/** The etags of the previews among `renderIds` (for the listing's `hasPreview`), without reading their bytes. */
export async function previewEtags(db: Db, workspaceId: string, renderIds: readonly string[]): Promise<Map<string, string>> {
  if (renderIds.length === 0) return new Map();
  const rows = await db.selectFrom('render_previews').select(['render_id', 'etag']).where('workspace_id', '=', workspaceId).where('render_id', 'in', renderIds).execute();
  return new Map(rows.map((row) => [row.render_id, row.etag]));
}

/** Removes the previews of renders that were deleted (a synced delete takes its preview along). */
export async function deleteRenderPreviews(db: Db, workspaceId: string, renderIds: readonly string[]): Promise<void> {
  if (renderIds.length === 0) return;
  await db.deleteFrom('render_previews').where('workspace_id', '=', workspaceId).where('render_id', 'in', renderIds).execute();
}
