import { describe, expect, test } from '@ketenhub/testkit';
import { type Kysely, sql } from 'kysely';
import { createDatabase, databaseName, dropDatabase, ensureDatabase, migrateToLatest } from './index';
import { applyBatchesOnce, applyBatchOnce, createPositionsTable, loadPositions } from './positions';

describe('database helpers on a real PostgreSQL', () => {
  test('ensureDatabase creates a missing database and tolerates concurrent callers', async ({ testDb }) => {
    const url = new URL(testDb.url);
    url.pathname = `/${databaseName(testDb.url)}_extra`;
    await Promise.all([
      ensureDatabase(url.toString()),
      ensureDatabase(url.toString()),
      ensureDatabase(url.toString()),
    ]);
    const db = createDatabase<unknown>({ url: url.toString() });
    try {
      const r = await sql<{ one: number }>`select 1 as one`.execute(db);
      expect(r.rows[0]?.one).toBe(1);
    } finally {
      await db.destroy();
      await dropDatabase(url.toString());
    }
  });

  test('migrations run once, in name order, inside the service schema', async ({ testDb }) => {
    const order: string[] = [];
    const migrations = {
      '2026-11-28T1000_first': {
        up: async (db: Kysely<unknown>) => {
          order.push('first');
          await sql`create table svc.items (id int primary key)`.execute(db);
        },
      },
      '2026-11-28T1100_second': {
        up: async (db: Kysely<unknown>) => {
          order.push('second');
          await sql`alter table svc.items add column name text`.execute(db);
        },
      },
    };
    expect(await migrateToLatest(testDb.db, migrations, { schema: 'svc' })).toEqual([
      '2026-11-28T1000_first',
      '2026-11-28T1100_second',
    ]);
    expect(await migrateToLatest(testDb.db, migrations, { schema: 'svc' })).toEqual([]);
    expect(order).toEqual(['first', 'second']);
    const tables = await sql<{ table_name: string }>`
      select table_name from information_schema.tables where table_schema = 'svc' order by table_name`.execute(
      testDb.db,
    );
    expect(tables.rows.map((t) => t.table_name)).toEqual([
      'items',
      'kysely_migration',
      'kysely_migration_lock',
    ]);
  });

  test('a failing migration is reported with its name', async ({ testDb }) => {
    const migrations = {
      '2026-11-28T1200_broken': {
        up: async (db: Kysely<unknown>) => void (await sql`select * from nowhere`.execute(db)),
      },
    };
    await expect(migrateToLatest(testDb.db, migrations, { schema: 'broken' })).rejects.toThrow(
      /migration 2026-11-28T1200_broken of schema broken failed/,
    );
  });

  test('applyBatchOnce applies each offset once, even when batches overlap or race', async ({ testDb }) => {
    await sql`create schema pos`.execute(testDb.db);
    await createPositionsTable(testDb.db, 'pos');
    await sql`create table pos.effects (offset_value bigint primary key)`.execute(testDb.db);
    const key = { group: 'g', topic: 't', partition: 0 };
    const batch = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, i) => ({ offset: String(from + i) }));
    const apply = (records: { offset: string }[]) =>
      applyBatchOnce(testDb.db, 'pos', key, records, async (trx, fresh) => {
        for (const r of fresh) await sql`insert into pos.effects values (${r.offset})`.execute(trx);
        return fresh.length;
      });
    expect((await apply(batch(0, 10))).applied).toBe(10);
    // Redelivery overlapping the applied range: only the new tail counts.
    expect(await apply(batch(5, 15))).toMatchObject({ applied: 5, skipped: 5 });
    // Two instances racing on the same batch (rebalance): the row lock lets exactly one apply it.
    const [x, y] = await Promise.all([apply(batch(15, 20)), apply(batch(15, 20))]);
    expect([x.applied, y.applied].sort()).toEqual([0, 5]);
    // A failing apply rolls the position back with the effects.
    await expect(
      applyBatchOnce(testDb.db, 'pos', key, batch(20, 22), async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await loadPositions(testDb.db, 'pos', 'g', 't')).toEqual(new Map([[0, '20']]));
    const count = await sql<{ n: string }>`select count(*) as n from pos.effects`.execute(testDb.db);
    expect(Number(count.rows[0]?.n)).toBe(20);
  });

  test('applyBatchesOnce: several partitions in one transaction, each offset once, racing calls do not deadlock', async ({
    testDb,
  }) => {
    await sql`create schema multi`.execute(testDb.db);
    await createPositionsTable(testDb.db, 'multi');
    await sql`create table multi.effects (k text primary key)`.execute(testDb.db);
    const records = (p: number, from: number, to: number) =>
      Array.from({ length: to - from }, (_, i) => ({ offset: String(from + i), k: `${p}:${from + i}` }));
    const apply = (
      batches: { topic: string; partition: number; records: { offset: string; k: string }[] }[],
    ) =>
      applyBatchesOnce(testDb.db, 'multi', 'g', batches, async (trx, fresh) => {
        for (const r of fresh) await sql`insert into multi.effects values (${r.k})`.execute(trx);
        return fresh.length;
      });
    const first = await apply([
      { topic: 't', partition: 0, records: records(0, 0, 5) },
      { topic: 't', partition: 1, records: records(1, 0, 3) },
      { topic: 'u', partition: 0, records: [] },
    ]);
    expect(first).toMatchObject({ applied: 8, skipped: 0, result: 8 });
    expect(first.perBatch).toEqual([
      { applied: 5, skipped: 0 },
      { applied: 3, skipped: 0 },
      { applied: 0, skipped: 0 },
    ]);
    // Overlap with what was applied, and the same partition twice in one call (handed in again).
    const second = await apply([
      { topic: 't', partition: 1, records: records(1, 2, 6) },
      { topic: 't', partition: 0, records: records(0, 3, 7) },
      { topic: 't', partition: 0, records: records(0, 5, 9) },
    ]);
    expect(second.perBatch).toEqual([
      { applied: 3, skipped: 1 },
      { applied: 2, skipped: 2 },
      { applied: 2, skipped: 2 },
    ]);
    // Two instances racing over the same partitions, listed in opposite orders: no deadlock, once.
    const [x, y] = await Promise.all([
      apply([
        { topic: 't', partition: 0, records: records(0, 9, 12) },
        { topic: 't', partition: 1, records: records(1, 6, 8) },
      ]),
      apply([
        { topic: 't', partition: 1, records: records(1, 6, 8) },
        { topic: 't', partition: 0, records: records(0, 9, 12) },
      ]),
    ]);
    expect([x.applied, y.applied].sort()).toEqual([0, 5]);
    expect(await loadPositions(testDb.db, 'multi', 'g', 't')).toEqual(
      new Map([
        [0, '12'],
        [1, '8'],
      ]),
    );
    const count = await sql<{ n: string }>`select count(*) as n from multi.effects`.execute(testDb.db);
    expect(Number(count.rows[0]?.n)).toBe(12 + 8);
  });
});
