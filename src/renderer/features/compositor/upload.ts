import type { ImportedItem } from '../../db/assets';

/**
 * Sends a dropped or picked file to Studio's library. In a browser the host
 * takes it over HTTP (same token as the API); main copies it and probes it.
 */
export async function uploadToLibrary(file: File, campaignId: string): Promise<ImportedItem> {
  const token = new URLSearchParams(location.search).get('token') ?? '';
  const query = new URLSearchParams({ token, campaignId, name: file.name });
  const response = await fetch(`/upload?${query.toString()}`, { method: 'POST', body: file, headers: { 'Content-Type': 'application/octet-stream' } });
  const body = (await response.json().catch(() => ({}))) as { item?: ImportedItem; error?: string };
  if (!response.ok || !body.item) throw new Error(body.error ?? `Could not import ${file.name} (HTTP ${response.status}).`);
  return body.item;
}
