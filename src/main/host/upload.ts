import type { IncomingMessage, ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';
import { z } from 'zod';
import { describeIssues } from '../../shared/validation';
import { campaignIdSchema, MediaLibraryError, UploadTooLargeError } from '../media/library';
import { MediaFileError } from '../media/probe';
import { FfmpegUnavailableError, type StudioServices } from '../services';

/** A browser cannot hand Studio a path on disk, so the browser host takes the file's bytes instead. */
export const uploadPath = '/upload';

/** Large enough for a long 4K take; past it a browser upload is the wrong tool. */
export const defaultMaxUploadBytes = 4 * 1024 ** 3;

const uploadQuerySchema = z.object({
  campaignId: campaignIdSchema,
  name: z.string({ error: 'give the file name, e.g. name=clip.mp4' }).min(1, 'give the file name, e.g. name=clip.mp4').max(1000, 'must be at most 1000 characters'),
});

export interface UploadOptions {
  services: StudioServices;
  /** The browser host's own guard (token, Origin): the same answer as for its WebSocket. */
  refusal: (req: IncomingMessage, url: URL) => 401 | 403 | null;
  maxUploadBytes: number;
}

const refusalMessages = {
  401: 'This upload lacks the launch token. Open Studio from the URL it printed at launch.',
  403: 'Uploads are taken only from Studio’s own pages.',
};

function answer(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', ...headers });
  res.end(JSON.stringify(body));
}

/** An error's status and the words the user sees. */
function failure(error: unknown): { status: number; message: string } {
  if (error instanceof UploadTooLargeError) return { status: 413, message: error.message };
  if (error instanceof MediaFileError || error instanceof MediaLibraryError) return { status: 400, message: error.message };
  if (error instanceof FfmpegUnavailableError) return { status: 503, message: error.message };
  return { status: 500, message: `The upload could not be stored: ${error instanceof Error ? error.message : String(error)}` };
}

/** `POST /upload?token=…&campaignId=…&name=…` with the raw file as body: 201 `{ item }`, or `{ error }`. */
export function createUploadHandler(options: UploadOptions): (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> {
  return async (req, res, url) => {
    const refused = options.refusal(req, url);
    if (refused) return answer(res, refused, { error: refusalMessages[refused] });
    if (req.method !== 'POST') return answer(res, 405, { error: `Send the file with POST, not ${req.method ?? 'no method'}.` }, { Allow: 'POST' });
    const contentType = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
    // Not a type an HTML form can send: one more reason no other site gets a file in.
    if (contentType !== 'application/octet-stream') {
      return answer(res, 415, { error: `Send the file's bytes as Content-Type: application/octet-stream (got ${contentType ?? 'none'}).` });
    }
    const query = uploadQuerySchema.safeParse(Object.fromEntries(url.searchParams));
    if (!query.success) return answer(res, 400, { error: describeIssues(query.error) });
    const declared = Number(req.headers['content-length'] ?? Number.NaN);
    if (declared > options.maxUploadBytes) {
      return answer(res, 413, { error: new UploadTooLargeError({ fileName: query.data.name, maxBytes: options.maxUploadBytes }).message });
    }

    // The library destroys the stream it is given when it fails; the request itself must live on to carry the answer.
    const body = new PassThrough();
    req.on('error', (error) => body.destroy(error));
    req.on('close', () => {
      if (!req.complete) body.destroy(new Error(`the upload of "${query.data.name}" was interrupted before the whole file arrived`));
    });
    req.pipe(body);
    try {
      const library = await options.services.mediaLibrary();
      const item = await library.importStream({ campaignId: query.data.campaignId, fileName: query.data.name, stream: body, maxBytes: options.maxUploadBytes });
      answer(res, 201, { item });
    } catch (error) {
      body.destroy();
      // Read the rest of the body away, so the browser gets this answer instead of a reset connection.
      req.unpipe(body);
      req.resume();
      const { status, message } = failure(error);
      answer(res, status, { error: message });
    }
  };
}
