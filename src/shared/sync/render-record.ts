import { z } from 'zod';
import { presetById, presetIds, type PresetId } from '../composition/presets';

/**
 * A render as the Hub keeps it for the team (issue 12): one record per render
 * job, its id the job's id, written by the Studio that rendered it. It says
 * what was rendered and how it went; never where: no path on the computer
 * that made it, only the output file's name.
 */
export const renderRecordStatuses = ['queued', 'running', 'done', 'failed', 'cancelled'] as const;

export const renderRecordSchema = z
  .object({
    /** The composition's name, with the platform when there is one ("Spring teaser · TikTok"). */
    name: z.string().min(1).max(300),
    compositionId: z.string().min(1).max(64),
    compositionName: z.string().min(1).max(200),
    /** The platform preset it was rendered for, or null for a free-size canvas. */
    preset: z.enum(presetIds).nullable(),
    /** Renders of one composition for several platforms at once share it. */
    batchId: z.string().min(1).max(64).nullable(),
    status: z.enum(renderRecordStatuses),
    createdAt: z.iso.datetime(),
    startedAt: z.iso.datetime().nullable(),
    finishedAt: z.iso.datetime().nullable(),
    durationSeconds: z.number().min(0),
    /** File name only. */
    outputFileName: z.string().min(1).max(255).refine((name) => !/[\\/]/.test(name), 'must be a file name, not a path'),
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    /** Size of the finished file; null until it is done. */
    sizeBytes: z.number().int().min(0).nullable(),
    /** Why it failed, with paths on the computer reduced to file names; null unless it failed. */
    error: z.string().max(2000).nullable(),
  })
  .strict();
export type RenderRecord = z.infer<typeof renderRecordSchema>;

/** What Studio knows of a render job (the render queue's summary of it, as the UI gets it). */
export interface RenderJobFacts {
  id: string;
  batchId: string | null;
  state: (typeof renderRecordStatuses)[number];
  compositionId: string;
  compositionName: string;
  preset: PresetId | null;
  width: number;
  height: number;
  durationSeconds: number;
  outputPath: string;
  /** The job's FFmpeg log: named in a failure message, and left out of the record. */
  logPath: string;
  outputBytes: number | null;
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** The last part of a path written with / or \. */
export const fileNameOf = (path: string): string => path.split(/[\\/]/).filter((part) => part.length > 0).at(-1) ?? path;

// An absolute path as FFmpeg and Node print them: /home/…, C:\Users\…, \\server\share\…; up to a space, quote or colon.
const absolutePath = /(?:[A-Za-z]:[\\/]|\\\\|\/)[^\s'"`:,;()[\]]*[^\s'"`:,;()[\].]/g;

/** A message with every absolute path replaced by its file name, so it can leave the computer. */
export function withoutLocalPaths(message: string): string {
  return message.replace(absolutePath, (path) => fileNameOf(path));
}

/** The Hub's record of a render job. */
export function renderRecordOf(job: RenderJobFacts): RenderRecord {
  const platform = job.preset ? presetById(job.preset).label : null;
  const error = job.state === 'failed' && job.error ? withoutLocalPaths(job.error.replace(` The FFmpeg log is in ${job.logPath}.`, '')).slice(0, 2000) : null;
  return renderRecordSchema.parse({
    name: platform ? `${job.compositionName} · ${platform}` : job.compositionName,
    compositionId: job.compositionId,
    compositionName: job.compositionName,
    preset: job.preset,
    batchId: job.batchId,
    status: job.state,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    durationSeconds: job.durationSeconds,
    outputFileName: fileNameOf(job.outputPath),
    width: job.width,
    height: job.height,
    sizeBytes: job.state === 'done' ? job.outputBytes : null,
    error,
  });
}
