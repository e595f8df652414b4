import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { HubAccountError, type HubAccountService } from './hub-account';

/**
 * Preview clips waiting to go to the Hub (PUT /v1/renders/:id/preview). A
 * finished render's clip is noted here and sent on the next sync; one that
 * cannot go yet (offline, signed out, the render record not on the Hub yet,
 * the Hub busy) stays for the sync after. The render itself never depends on
 * it: the clip is a copy, and the file stays on disk whatever happens here.
 */
const pendingSchema = z.object({
  renderId: z.string().min(1).max(64),
  previewPath: z.string().min(1),
  addedAt: z.iso.datetime(),
  /** Why the last attempt did not send it, for Settings → Hub. */
  lastProblem: z.string().nullable(),
});
export type PendingPreview = z.infer<typeof pendingSchema>;
const stateSchema = z.object({ version: z.literal(1), uploads: z.array(pendingSchema) });

export interface FlushOutcome {
  uploaded: string[];
  /** Kept for the next sync. */
  waiting: string[];
  /** Given up: the file is gone or the Hub refused the clip itself (it would refuse it again). */
  dropped: string[];
}

export interface RenderPreviewUploads {
  add(upload: { renderId: string; previewPath: string }): Promise<void>;
  /** Tries every waiting upload once, one at a time; a flush asked for during another runs after it. */
  flush(): Promise<FlushOutcome>;
  /** The render was removed from Studio's history (its record deleted on the Hub): its clip will never be wanted there. */
  forget(renderId: string): Promise<void>;
  pending(): PendingPreview[];
}

/** Statuses after which the same bytes would be refused again: not an MP4, too large, a bad id. */
const refusedForGood = new Set([400, 413, 415]);
const requestTimeoutMs = 60_000;

export async function createRenderPreviewUploads(options: { account: Pick<HubAccountService, 'fetch'>; stateFile: string; onWarning?: (message: string) => void; now?: () => Date }): Promise<RenderPreviewUploads> {
  const warn = options.onWarning ?? ((message: string) => console.warn(`[preview uploads] ${message}`));
  const now = options.now ?? (() => new Date());
  let uploads = await load();
  let running: Promise<FlushOutcome> = Promise.resolve({ uploaded: [], waiting: [], dropped: [] });

  async function load(): Promise<PendingPreview[]> {
    let text: string;
    try {
      text = await readFile(options.stateFile, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') warn(`${options.stateFile} could not be read (${(error as Error).message}); previews of earlier renders will not be uploaded.`);
      return [];
    }
    const parsed = stateSchema.safeParse((() => { try { return JSON.parse(text); } catch { return null; } })());
    if (parsed.success) return parsed.data.uploads;
    warn(`${options.stateFile} is damaged; previews of earlier renders will not be uploaded (the renders and their clips are untouched).`);
    return [];
  }

  async function save(): Promise<void> {
    await mkdir(dirname(options.stateFile), { recursive: true });
    const temp = `${options.stateFile}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(temp, JSON.stringify({ version: 1, uploads }, null, 1));
    await rename(temp, options.stateFile).catch(async (error: unknown) => {
      await rm(temp, { force: true });
      throw error;
    });
  }

  /** 'sent', 'wait' with why, or 'drop' with why. */
  async function send(upload: PendingPreview): Promise<{ outcome: 'sent' | 'wait' | 'drop'; problem: string | null }> {
    let bytes: Buffer;
    try {
      bytes = await readFile(upload.previewPath);
    } catch {
      return { outcome: 'drop', problem: `the preview ${upload.previewPath} is gone` };
    }
    let response: Response;
    try {
      response = await options.account.fetch(`/v1/renders/${encodeURIComponent(upload.renderId)}/preview`, { method: 'PUT', headers: { 'content-type': 'video/mp4' }, body: new Uint8Array(bytes), signal: AbortSignal.timeout(requestTimeoutMs) });
    } catch (error) {
      return { outcome: 'wait', problem: error instanceof HubAccountError ? 'signed out of the Hub' : 'the Hub could not be reached' };
    }
    if (response.ok) return { outcome: 'sent', problem: null };
    const said = ((await response.json().catch(() => ({}))) as { error?: unknown }).error;
    const problem = `the Hub answered ${response.status}${typeof said === 'string' ? `: ${said.replace(/\.$/, '')}` : ''}`;
    return { outcome: refusedForGood.has(response.status) ? 'drop' : 'wait', problem };
  }

  async function flushOnce(): Promise<FlushOutcome> {
    const result: FlushOutcome = { uploaded: [], waiting: [], dropped: [] };
    if (uploads.length === 0) return result;
    for (const upload of [...uploads]) {
      const { outcome, problem } = await send(upload);
      if (outcome === 'wait') {
        result.waiting.push(upload.renderId);
        uploads = uploads.map((u) => (u === upload ? { ...u, lastProblem: problem } : u));
        continue;
      }
      uploads = uploads.filter((u) => u !== upload);
      if (outcome === 'sent') result.uploaded.push(upload.renderId);
      else {
        result.dropped.push(upload.renderId);
        warn(`The preview of render ${upload.renderId} was not uploaded: ${problem}.`);
      }
    }
    await save();
    return result;
  }

  return {
    async add({ renderId, previewPath }) {
      uploads = [...uploads.filter((u) => u.renderId !== renderId), pendingSchema.parse({ renderId, previewPath, addedAt: now().toISOString(), lastProblem: null })];
      await save();
    },
    flush() {
      running = running.then(flushOnce, flushOnce);
      return running;
    },
    async forget(renderId) {
      if (!uploads.some((u) => u.renderId === renderId)) return;
      uploads = uploads.filter((u) => u.renderId !== renderId);
      await save();
    },
    pending: () => uploads,
  };
}
