import { randomUUID } from 'node:crypto';
import { toKafkaRecord } from '@ketenhub/events';
import { wmoLifecycle } from '@ketenhub/events/testing';
import { caseEventTopic, createPublisher, ensureTopics } from '@ketenhub/kafka';
import { ensureActiveVersion, listVersions } from '@ketenhub/projection/versions';
import { describe, expect, test } from '@ketenhub/testkit';
import { type Kysely, sql } from 'kysely';
import { type Json, TestHub } from './support';

async function schemaExists(db: Kysely<unknown>, schema: string): Promise<boolean> {
  const r = await sql<{
    n: number;
  }>`select count(*)::int as n from pg_namespace where nspname = ${schema}`.execute(db);
  return r.rows[0]?.n === 1;
}

const versionsOf = async (db: Kysely<unknown>, base: string) =>
  (await listVersions(db, base)).map((v) => [v.versie, v.status]);

describe('ketenhub projection', () => {
  test('rebuild (small data): the dry run changes nothing, --execute builds and switches; switch and drop likewise', async ({
    kafka,
    testDb,
    prefix,
    topic,
  }) => {
    const [wmo, ow] = [topic('wmo'), topic('omgevingswet')];
    await ensureTopics(kafka.client, [caseEventTopic(wmo, 3), caseEventTopic(ow, 3)]);
    const events = [randomUUID(), randomUUID(), randomUUID()].flatMap((id) => wmoLifecycle(id));
    const publisher = await createPublisher(kafka.client);
    await publisher.publish(
      events.map((e) => {
        const r = toKafkaRecord(e);
        return { topic: wmo, key: r.key, value: r.value, headers: { ...r.headers } };
      }),
    );
    await publisher.close();

    // Version 1 as the service makes it on its first start (it has read nothing: no service runs here).
    const base = `pk_${prefix.replace(/[^a-z0-9]/g, '_')}`;
    const groupBase = `${prefix}-projection`;
    await ensureActiveVersion(testDb.db, base, groupBase);
    const hub = await TestHub.create(testDb.url, kafka.brokers, `${prefix}.`);
    const env = {
      PROJECTION_SCHEMA: base,
      PROJECTION_GROUP_ID: groupBase,
      PROJECTION_SESSION_TIMEOUT_MS: '6000',
    };
    const cli = (...args: string[]) => hub.cli([...args, '--json'], env);

    const versions = await cli('projection', 'versions');
    expect(versions.code, versions.stderr).toBe(0);
    expect(versions.json().versions).toEqual([
      expect.objectContaining({ versie: 1, status: 'actief', lag: events.length }),
    ]);

    const dry = await cli('projection', 'rebuild', '--drop-old');
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.json()).toEqual({
      dryRun: true,
      version: 2,
      schema: `${base}_v2`,
      group: `${groupBase}-v2`,
      records: events.length,
      previous: 1,
      switch: true,
      maxLagToSwitch: 0,
      drop: [1],
    });
    expect(await versionsOf(testDb.db, base), 'a dry run changes nothing').toEqual([[1, 'actief']]);
    expect(await schemaExists(testDb.db, `${base}_v2`)).toBe(false);

    const built = await cli('projection', 'rebuild', '--execute');
    expect(built.code, built.stderr).toBe(0);
    expect(built.json()).toMatchObject({
      dryRun: false,
      version: 2,
      switched: true,
      previous: 1,
      dropped: [],
      events: events.length,
      cases: 3,
    });
    expect(await versionsOf(testDb.db, base)).toEqual([
      [1, 'oud'],
      [2, 'actief'],
    ]);
    const served = await sql<{
      n: number;
    }>`select count(*)::int as n from ${sql.table(`${base}.cases`)}`.execute(testDb.db);
    expect(served.rows[0]?.n, 'reads follow the new version').toBe(3);

    const back = await cli('projection', 'switch', '1');
    expect(back.json()).toMatchObject({ dryRun: true, from: 2, to: 1, toLag: events.length });
    expect(await versionsOf(testDb.db, base)).toEqual([
      [1, 'oud'],
      [2, 'actief'],
    ]);
    const switched = await cli('projection', 'switch', 'v1', '--execute');
    expect(switched.code, switched.stderr).toBe(0);
    expect(await versionsOf(testDb.db, base)).toEqual([
      [1, 'actief'],
      [2, 'oud'],
    ]);

    const dropDry = await cli('projection', 'drop', '2');
    expect(dropDry.json()).toMatchObject({ dryRun: true, version: 2, schema: `${base}_v2`, status: 'oud' });
    expect(await schemaExists(testDb.db, `${base}_v2`)).toBe(true);
    const dropped = await cli('projection', 'drop', '2', '--execute');
    expect(dropped.code, dropped.stderr).toBe(0);
    expect(dropped.json()).toMatchObject({ dryRun: false, consumerGroup: 'deleted' });
    expect(await versionsOf(testDb.db, base)).toEqual([[1, 'actief']]);
    expect(await schemaExists(testDb.db, `${base}_v2`)).toBe(false);

    const active = await cli('projection', 'drop', '1', '--execute');
    expect(active.code).toBe(1);
    expect((active.json().error as Json).message).toContain('serves reads');
    const missing = await cli('projection', 'switch', '7');
    expect(missing.code).toBe(2);
  });
});
