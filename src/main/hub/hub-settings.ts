import { join } from 'node:path';
import { z } from 'zod';
import { describeIssues } from '../../shared/validation';
import { readJsonFile, writePrivateFile } from '../private-file';
import { hubUrlSchema, type HubSetting } from './hub-status';

const hubSettingsSchema = z.object({ version: z.literal(1), hubUrl: hubUrlSchema('hubUrl').nullable() });

export const hubSettingsFile = (dataDir: string) => join(dataDir, 'hub-settings.json');

/**
 * The Hub address the person chose in Settings, else `fallback` (KATA_HUB_URL).
 * A damaged settings file is a problem to show, not a crash.
 */
export async function loadHubSetting(file: string, fallback: HubSetting): Promise<HubSetting> {
  const read = await readJsonFile(file);
  if (!read.found) return fallback;
  if ('unreadable' in read) return { problem: `The Hub settings (${file}) could not be read: ${read.unreadable}. Set the Hub address again.` };
  if ('notJson' in read) return { problem: `The Hub settings (${file}) are not JSON. Set the Hub address again.` };
  const parsed = hubSettingsSchema.safeParse(read.json);
  if (!parsed.success) return { problem: `The Hub settings (${file}) are not valid (${describeIssues(parsed.error).replaceAll('\n', '; ')}). Set the Hub address again.` };
  return { url: parsed.data.hubUrl };
}

export async function saveHubUrl(file: string, hubUrl: string | null): Promise<void> {
  await writePrivateFile(file, `${JSON.stringify(hubSettingsSchema.parse({ version: 1, hubUrl }), null, 2)}\n`);
}
