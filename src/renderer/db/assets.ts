import type { Media } from '../../shared/composition/schema';
import type { KataDatabase, StoredRecord } from './database';
import { systemClock, type Clock } from './outbox';

/** A file in a campaign's media library, as main imported it (copied into Studio's library folder and probed). */
export interface Asset extends StoredRecord {
  campaignId: string;
  kind: Media['kind'];
  /** The content hash main names the library copy by: importing the same file twice finds this asset. */
  contentHash: string;
  path: string;
  originalName: string;
  durationSeconds: number | null;
  width: number | null;
  height: number | null;
  hasAudio: boolean;
  createdAt: string;
}

/** What main answers for an imported file (media.import, or the browser host's /upload). */
export interface ImportedItem {
  id: string;
  campaignId: string;
  path: string;
  originalName: string;
  info: {
    kind: Media['kind'];
    durationSeconds: number | null;
    video: { width: number; height: number } | null;
    audio: unknown[];
  };
}

export function mediaOf(asset: Asset): Media {
  return { id: asset.contentHash, name: asset.originalName, path: asset.path, kind: asset.kind, durationSeconds: asset.durationSeconds, width: asset.width, height: asset.height, hasAudio: asset.hasAudio };
}

export function assetRepository(db: KataDatabase, clock: Clock = systemClock) {
  return {
    /** Records an import; the same file again updates the one asset. */
    async record(item: ImportedItem): Promise<Asset> {
      const now = clock.now().toISOString();
      const id = `${item.campaignId}:${item.id}`;
      const existing = (await db.assets.get(id)) as Asset | undefined;
      const asset: Asset = {
        id,
        campaignId: item.campaignId,
        kind: item.info.kind,
        contentHash: item.id,
        path: item.path,
        originalName: item.originalName,
        durationSeconds: item.info.durationSeconds,
        width: item.info.video?.width ?? null,
        height: item.info.video?.height ?? null,
        hasAudio: item.info.audio.length > 0,
        createdAt: existing?.createdAt ?? now,
        updatedAt: now,
      };
      await db.assets.put(asset);
      return asset;
    },
    async listForCampaign(campaignId: string): Promise<Asset[]> {
      const all = (await db.assets.toArray()) as Asset[];
      return all.filter((a) => a.campaignId === campaignId).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    },
    /** Points an asset at a new copy of its file (relinking after the library copy went missing). */
    async relink(assetId: string, item: ImportedItem): Promise<Asset> {
      const existing = (await db.assets.get(assetId)) as Asset | undefined;
      if (!existing) throw new Error(`No media with id ${assetId}`);
      const asset: Asset = { ...existing, path: item.path, updatedAt: clock.now().toISOString() };
      await db.assets.put(asset);
      return asset;
    },
  };
}
