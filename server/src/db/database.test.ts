import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type HubDatabase } from './database';

describe('the embedded database under concurrent requests', () => {
  let hub: HubDatabase;
  beforeAll(async () => {
    hub = await openDatabase({});
  }, 30_000);
  afterAll(() => hub.close());

  it("never lets one request's rollback take another's write with it", async () => {
    let releaseFailing!: () => void;
    const failingMayEnd = new Promise<void>((resolve) => (releaseFailing = resolve));
    // A transaction that fails after a pause, while a plain write arrives from elsewhere.
    const failing = hub.db
      .transaction()
      .execute(async (tx) => {
        await tx.insertInto('workspaces').values({ id: 'rolled-back', name: 'x' }).execute();
        await failingMayEnd;
        throw new Error('this request failed');
      })
      .catch((error: Error) => error.message);
    const plainWrite = hub.db.insertInto('workspaces').values({ id: 'kept', name: 'y' }).execute();
    releaseFailing();
    expect(await failing).toBe('this request failed');
    await plainWrite;
    const ids = (await hub.db.selectFrom('workspaces').select('id').execute()).map((r) => r.id);
    expect(ids).toContain('kept');
    expect(ids).not.toContain('rolled-back');
  });

  it('lends the connection to a library only between transactions', async () => {
    const order: string[] = [];
    const inTransaction = hub.db.transaction().execute(async (tx) => {
      order.push('tx:start');
      await tx.insertInto('workspaces').values({ id: 'in-tx', name: 'z' }).execute();
      await new Promise((resolve) => setTimeout(resolve, 50));
      order.push('tx:end');
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    const native = hub.native;
    if (native.kind !== 'pglite') throw new Error('expected the embedded database');
    const seen = await native.exclusive(async (client) => {
      order.push('library');
      return (await client.query<{ n: number }>(`select count(*)::int as n from workspaces where id = 'in-tx'`)).rows[0]!.n;
    });
    await inTransaction;
    expect(order).toEqual(['tx:start', 'tx:end', 'library']);
    expect(seen).toBe(1);
  });
});
