import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubDatabases } from '../../test/databases';
import type { HubDatabase } from '../db/database';
import { findActiveUsersByEmail, getWorkspaceBySlug } from '../db/identity-store';
import { verifyPassword } from '../auth/secrets';
import { initWorkspace } from './init';

describe('npm run hub -- init', () => {
  let database: HubDatabase;
  beforeAll(async () => {
    database = await hubDatabases[0]!.open();
  }, 30_000);
  afterAll(() => database.close());

  function run(args: string[], env: Record<string, string> = {}, answers?: Record<string, string>) {
    const out: string[] = [];
    const err: string[] = [];
    const asked: string[] = [];
    const ask = answers ? async (question: string, options: { hidden: boolean }) => (asked.push(`${question}${options.hidden ? ' (hidden)' : ''}`), answers[question.replace(/: $/, '')]!) : undefined;
    return initWorkspace(args, { env, out: (l) => out.push(l), err: (l) => err.push(l), database, ask }).then((code) => ({ code, out: out.join('\n'), err: err.join('\n'), asked }));
  }

  it('creates a workspace and its owner from flags, with the password from the environment', async () => {
    const result = await run(['--workspace', 'Globex', '--slug', 'globex', '--name', 'Hank', '--email', 'Hank@Globex.example'], { KATA_HUB_INIT_PASSWORD: 'a long enough passphrase' });
    expect(result).toMatchObject({ code: 0, out: expect.stringContaining('Workspace "Globex" (globex') });
    const workspace = (await getWorkspaceBySlug(database.db, 'globex'))!;
    const [owner] = await findActiveUsersByEmail(database.db, 'hank@globex.example', workspace.id);
    expect(owner!.role).toBe('owner');
    expect(await verifyPassword(owner!.password_hash, 'a long enough passphrase')).toBe(true);
    expect(owner!.password_hash).toMatch(/^\$argon2id\$/);
  });

  it('asks at the terminal for what the flags leave out, hiding the password', async () => {
    const result = await run(['--slug', 'initech'], {}, { 'Workspace name': 'Initech', 'Your name': 'Peter', 'Your email': 'peter@initech.example', 'Password (at least 12 characters)': 'a long enough passphrase' });
    expect(result.code).toBe(0);
    expect((await findActiveUsersByEmail(database.db, 'peter@initech.example'))[0]!.name).toBe('Peter');
    expect(result.asked).toEqual(['Workspace name: ', 'Your name: ', 'Your email: ', 'Password (at least 12 characters):  (hidden)']);
  });

  it('names the bad or missing flag and creates nothing', async () => {
    expect(await run(['--workspace', 'X', '--slug', 'Bad Slug', '--name', 'N', '--email', 'n@x.example'], { KATA_HUB_INIT_PASSWORD: 'a long enough passphrase' })).toMatchObject({ code: 2, err: expect.stringMatching(/--slug: use lower-case letters/) });
    expect(await run(['--workspace', 'X', '--slug', 'ok-slug', '--name', 'N', '--email', 'n@x.example'])).toMatchObject({ code: 2, err: expect.stringMatching(/--password is missing \(set KATA_HUB_INIT_PASSWORD/) });
    expect(await run(['--colour', 'red'])).toMatchObject({ code: 2, err: expect.stringMatching(/Unknown option '--colour'/) });
    expect(await run(['--workspace', 'Dup', '--slug', 'globex', '--name', 'N', '--email', 'n@x.example'], { KATA_HUB_INIT_PASSWORD: 'a long enough passphrase' })).toMatchObject({ code: 2, err: expect.stringMatching(/"globex" already exists/) });
    expect(await getWorkspaceBySlug(database.db, 'ok-slug')).toBeUndefined();
  });
});
