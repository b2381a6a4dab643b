import { newCaseId, testContext, wmoLifecycle } from '@ketenhub/case-model/testing';
import { withConnection } from '@ketenhub/db';
import { toKafkaRecord } from '@ketenhub/events';
import type { ConsumedRecord } from '@ketenhub/kafka';
import { describe, expect, test } from '@ketenhub/testkit';
import { type Kysely, sql } from 'kysely';
import { typed } from '../database';
import { createVersion, migrateBase, type VersionInfo } from '../versions/versions';
import { projectBatches } from './projector';

/** A projection version of its own for one test (base schema named after the test's prefix). */
async function freshVersion(db: Kysely<unknown>, prefix: string, name: string) {
  const base = `p_${prefix.replace(/[^a-z0-9]/g, '_')}`;
  await migrateBase(db, base);
  return createVersion(db, base, `${prefix}-${name}`);
}

/** The projector on one connection of a version, loading the timeline by COPY from 50 new events. */
function onConnection(
  version: VersionInfo,
  db: Kysely<unknown>,
  client: Parameters<Parameters<typeof withConnection>[1]>[1],
) {
  return {
    db: typed(db),
    client,
    schema: version.schema,
    group: version.groupId,
    ctx: testContext,
    copyMinRecords: 50,
  };
}

describe('projector timeline loading on a real PostgreSQL', () => {
  test('COPY for large batches; a repeated event falls back to the statement and counts once', async ({
    testDb,
    prefix,
  }) => {
    const version = await freshVersion(testDb.db, prefix, 'copy');
    const records = (
      partition: number,
      events: ReturnType<typeof wmoLifecycle>,
      from = 0,
    ): ConsumedRecord[] =>
      events.map((e, i) => {
        const r = toKafkaRecord(e);
        return {
          topic: 'wmo',
          partition,
          offset: String(from + i),
          key: r.key,
          value: r.value,
          headers: { ...r.headers },
          timestampMs: 0,
        };
      });
    const project = (batches: { partition: number; records: ConsumedRecord[] }[]) =>
      withConnection(testDb.db, (db, client) => {
        expect(client).not.toBeNull();
        return projectBatches(
          onConnection(version, db, client),
          batches.map((b) => ({ topic: 'wmo', ...b })),
        );
      });
    const count = async () =>
      Number(
        (
          await sql<{
            n: string;
          }>`select count(*) as n from ${sql.table(`${version.schema}.timeline`)}`.execute(testDb.db)
        ).rows[0]?.n,
      );

    const first = Array.from({ length: 8 }, () => newCaseId()).flatMap((id) => wmoLifecycle(id));
    const a = await project([{ partition: 0, records: records(0, first) }]);
    expect(a.result?.applied).toBe(first.length);
    expect(await count()).toBe(first.length);

    // A producer re-sent one event of the first batch: the COPY hits the primary key, the
    // savepoint is rolled back and the statement stores the rest, the repeat once.
    const second = Array.from({ length: 8 }, () => newCaseId()).flatMap((id) => wmoLifecycle(id));
    const b = await project([
      { partition: 1, records: records(1, [...second, first[3] as (typeof first)[number]]) },
    ]);
    expect(b.result).toMatchObject({ applied: second.length, duplicates: 1 });
    expect(await count()).toBe(first.length + second.length);
    const positions = await sql<{ partition: number; next_offset: string }>`
      select partition, next_offset from ${sql.table(`${version.schema}.consumer_positions`)} order by partition`.execute(
      testDb.db,
    );
    expect(positions.rows.map((r) => [r.partition, String(r.next_offset)])).toEqual([
      [0, String(first.length)],
      [1, String(second.length + 1)],
    ]);
    // The cases were folded from the copied events like from the statement's.
    const cases = await sql<{
      n: string;
    }>`select count(*) as n from ${sql.table(`${version.schema}.cases`)}`.execute(testDb.db);
    expect(Number(cases.rows[0]?.n)).toBe(16);
  });

  test('COPY stores events exactly: escapes, raw whitespace, non-ASCII, and bytes that are not UTF-8', async ({
    testDb,
    prefix,
  }) => {
    const version = await freshVersion(testDb.db, prefix, 'bytes');
    const events = Array.from({ length: 8 }, () => newCaseId()).flatMap((id) => wmoLifecycle(id));
    // tracestate is free text (at most 512 characters): room for everything COPY must escape.
    const tricky = 'ketenhub=a\\b"c\nd\te\r€ë';
    const values = events.map((e, i) => {
      if (i === 3) return Buffer.from(JSON.stringify({ ...e, tracestate: tricky }, null, '\t'));
      if (i === 5) {
        // An invalid byte inside a string: the consumer parses the text (U+FFFD) and must store that.
        const marked = Buffer.from(JSON.stringify({ ...e, tracestate: 'ketenhub=XX' }));
        const at = marked.indexOf('XX');
        marked[at] = 0xff;
        return marked;
      }
      return toKafkaRecord(e).value;
    });
    const records: ConsumedRecord[] = events.map((e, i) => ({
      topic: 'wmo',
      partition: 0,
      offset: String(i),
      key: e.subject,
      value: values[i] as Buffer,
      headers: { ...toKafkaRecord(e).headers },
      timestampMs: 0,
    }));
    const done = await withConnection(testDb.db, (db, client) =>
      projectBatches(onConnection(version, db, client), [{ topic: 'wmo', partition: 0, records }]),
    );
    expect(done.result?.applied).toBe(events.length);
    const stored = await sql<{ event_id: string; event: unknown }>`
      select event_id, event from ${sql.table(`${version.schema}.timeline`)}`.execute(testDb.db);
    const byId = new Map(stored.rows.map((r) => [r.event_id, r.event]));
    expect(byId.size).toBe(events.length);
    for (const [i, e] of events.entries()) {
      expect(byId.get(e.id), `event ${i}`).toEqual(JSON.parse((values[i] as Buffer).toString('utf8')));
    }
    expect((byId.get(events[3]?.id ?? '') as { tracestate: string }).tracestate).toBe(tricky);
    expect((byId.get(events[5]?.id ?? '') as { tracestate: string }).tracestate).toBe('ketenhub=\uFFFDX');
  });
});
