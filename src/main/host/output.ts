import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename } from 'node:path';
import send from 'send';
import { z } from 'zod';
import type { StudioServices } from '../services';

export const outputPrefix = '/output/';

/**
 * Serves a finished render to the page that asked for it (same token as the
 * API), with range requests so the browser can play and seek the video.
 */
export function createOutputHandler(options: { services: StudioServices; refusal: (req: IncomingMessage, url: URL) => 401 | 403 | null }) {
  const answer = (res: ServerResponse, status: number, message: string) => {
    res.statusCode = status;
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.end(message);
  };
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const refused = options.refusal(req, url);
    if (refused) return answer(res, refused, refused === 401 ? 'Open Studio from the URL it printed.' : 'Not for other sites.');
    if (req.method !== 'GET' && req.method !== 'HEAD') return answer(res, 405, 'Only GET.');
    const jobId = z.uuid().safeParse(decodeURIComponent(url.pathname.slice(outputPrefix.length)));
    if (!jobId.success) return answer(res, 400, 'That is not a render job id.');
    const job = (await options.services.renderQueue()).get(jobId.data);
    if (!job || job.state !== 'done') return answer(res, 404, 'No finished render with that id.');
    send(req, job.outputPath, { dotfiles: 'allow', etag: true })
      .on('headers', (response: ServerResponse) => response.setHeader('Content-Disposition', `inline; filename="${basename(job.outputPath).replace(/"/g, '')}"`))
      .on('error', (error: { status?: number }) => answer(res, error.status ?? 500, 'The file is no longer there.'))
      .pipe(res);
  };
}
