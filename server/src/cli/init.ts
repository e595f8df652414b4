import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { describeIssues } from '../../../src/shared/validation';
import { emailSchema, newPasswordSchema, slugSchema } from '../auth/schemas';
import { loadConfig } from '../config';
import { openConfiguredDatabase } from '../db/configured-database';
import type { HubDatabase } from '../db/database';
import { HubError } from '../http/errors';
import { createWorkspaceWithOwner } from '../workspaces/create';

export interface CliIo {
  env: Record<string, string | undefined>;
  out(line: string): void;
  err(line: string): void;
  /** Asks for a value at the terminal (hidden for passwords); absent when there is no terminal. */
  ask?: (question: string, options: { hidden: boolean }) => Promise<string>;
  database?: HubDatabase;
}

const usage = 'usage: npm run hub -- init [--workspace "Acme Marketing"] [--slug acme] [--name "Maya Lee"] [--email maya@acme.example]   (the password is asked for, or read from KATA_HUB_INIT_PASSWORD)';

const initSchema = z.object({ workspace: z.string().trim().min(1).max(120), slug: slugSchema, name: z.string().trim().min(1).max(120), email: emailSchema, password: newPasswordSchema });

/**
 * `init`: creates a workspace and its owner from the command line, asking for
 * whatever the flags leave out. Resolves to the exit code.
 */
export async function initWorkspace(args: string[], io: CliIo): Promise<number> {
  let flags: Record<string, string | undefined>;
  try {
    flags = parseArgs({ args, options: { workspace: { type: 'string' }, slug: { type: 'string' }, name: { type: 'string' }, email: { type: 'string' } }, strict: true }).values;
  } catch (error) {
    io.err(`${(error as Error).message}\n${usage}`);
    return 2;
  }
  const questions: [keyof z.input<typeof initSchema>, string][] = [
    ['workspace', 'Workspace name'],
    ['slug', 'Short name for sign-in (lower-case, e.g. acme)'],
    ['name', 'Your name'],
    ['email', 'Your email'],
    ['password', 'Password (at least 12 characters)'],
  ];
  const answers: Record<string, string | undefined> = { ...flags, password: io.env.KATA_HUB_INIT_PASSWORD };
  for (const [field, question] of questions) {
    if (answers[field] !== undefined) continue;
    if (!io.ask) {
      io.err(`--${field} is missing${field === 'password' ? ' (set KATA_HUB_INIT_PASSWORD when there is no terminal)' : ''}.\n${usage}`);
      return 2;
    }
    answers[field] = await io.ask(`${question}: `, { hidden: field === 'password' });
  }
  const parsed = initSchema.safeParse(answers);
  if (!parsed.success) {
    io.err(describeIssues(parsed.error).replace(/^(\w+):/gm, '--$1:'));
    return 2;
  }
  let database = io.database;
  try {
    const config = loadConfig(io.env);
    database ??= await openConfiguredDatabase(config);
    const { workspaceId } = await createWorkspaceWithOwner(database.db, { workspaceName: parsed.data.workspace, slug: parsed.data.slug, ownerName: parsed.data.name, email: parsed.data.email, password: parsed.data.password }, { ip: null, userAgent: 'kata-hub-cli', requestId: null, now: new Date() });
    io.out(`Workspace "${parsed.data.workspace}" (${parsed.data.slug}, id ${workspaceId}) is ready; ${parsed.data.email} is its owner. Start the Hub with \`npm run hub\` and sign in.`);
    return 0;
  } catch (error) {
    io.err(error instanceof HubError || error instanceof Error ? error.message : String(error));
    return error instanceof HubError ? 2 : 1;
  } finally {
    if (!io.database) await database?.close();
  }
}

/** Terminal questions for `init`, with the password's echo turned off. */
export function terminalAsk(): CliIo['ask'] {
  if (!process.stdin.isTTY) return undefined;
  return async (question, { hidden }) => {
    const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
    if (hidden) {
      const writer = rl as unknown as { _writeToOutput(text: string): void };
      writer._writeToOutput = (text: string) => void (text.startsWith(question) ? process.stdout.write(question) : undefined);
    }
    try {
      return await rl.question(question);
    } finally {
      if (hidden) process.stdout.write('\n');
      rl.close();
    }
  };
}
