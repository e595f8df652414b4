import { z } from 'zod';
import { describeIssues } from '../../src/shared/validation';

const configSchema = z.object({
  KATA_HUB_HOST: z.string().min(1).default('127.0.0.1'),
  KATA_HUB_PORT: z.coerce.number().int().min(0).max(65_535).default(4400),
});
export type HubConfig = z.infer<typeof configSchema>;

/** Reads the Hub's settings from the environment; the error names each bad variable. */
export function loadConfig(env: Record<string, string | undefined>): HubConfig {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) throw new Error(`Kata Hub configuration is invalid:\n${describeIssues(parsed.error)}`);
  return parsed.data;
}
