import { randomUUID } from 'node:crypto';
import { migrateToLatest } from '@ketenhub/db';
import { dispatcherMigrations, dispatcherSchema } from '@ketenhub/dispatcher';
import {
  caseEventTopic,
  createPublisher,
  ensureTopics,
  type KafkaClient,
  topicOffsets,
} from '@ketenhub/kafka';
import { describe, expect, test } from '@ketenhub/testkit';
import { type Kysely, sql } from 'kysely';
import { type Json, TestHub } from './support';

/** Positions as stored, per `topic:partition`. */
async function stored(db: Kysely<unknown>, group: string): Promise<Record<string, string>> {
  const r = await sql<{ topic: string; partition: number; next_offset: string }>`
    select topic, partition, next_offset::text as next_offset from dispatcher.consumer_positions
    where group_id = ${group} order by topic, partition`.execute(db);
  return Object.fromEntries(r.rows.map((row) => [`${row.topic}:${row.partition}`, row.next_offset]));
}

/** The dispatcher's positions at the end of every partition: a consumer that has read everything. */
async function caughtUp(db: Kysely<unknown>, kafka: KafkaClient, group: string, topics: string[]) {
  for (const topic of topics) {
    for (const p of await topicOffsets(kafka, topic)) {
      await sql`insert into dispatcher.consumer_positions (group_id, topic, partition, next_offset)
        values (${group}, ${topic}, ${p.partition}, ${p.high})
        on conflict (group_id, topic, partition) do update set next_offset = excluded.next_offset`.execute(
        db,
      );
    }
  }
}

/** Records one second apart from `base`, keys spread over the partitions. */
async function publishTimed(kafka: KafkaClient, topic: string, count: number, base: number) {
  const publisher = await createPublisher(kafka);
  try {
    for (let i = 0; i < count; i++) {
      await publisher.publish([
        { topic, key: randomUUID(), value: `{"n":${i}}`, timestampMs: base + i * 1_000 },
      ]);
    }
  } finally {
    await publisher.close();
  }
}

describe('ketenhub positions', () => {
  test('set --to-datetime: the dry run changes nothing, --execute moves every partition to the offsets Kafka gives for that time', async ({
    kafka,
    testDb,
    prefix,
    topic,
  }) => {
    const [wmo, ow] = [topic('wmo'), topic('omgevingswet')];
    await ensureTopics(kafka.client, [caseEventTopic(wmo, 3), caseEventTopic(ow, 2)]);
    await migrateToLatest(testDb.db, dispatcherMigrations, { schema: dispatcherSchema });
    const hub = await TestHub.create(testDb.url, kafka.brokers, `${prefix}.`);
    const group = `${prefix}.ketenhub-dispatcher`;
    const base = Date.now() - 3_600_000;
    await publishTimed(kafka.client, wmo, 12, base);
    await publishTimed(kafka.client, ow, 6, base);
    await caughtUp(testDb.db, kafka.client, group, [wmo, ow]);
    const before = await stored(testDb.db, group);
    const at = new Date(base + 4_500);

    const dry = await hub.cli([
      'positions',
      'set',
      'dispatcher',
      '--to-datetime',
      at.toISOString(),
      '--json',
    ]);
    expect(dry.code, dry.stderr).toBe(0);
    const plan = dry.json();
    expect(plan).toMatchObject({
      dryRun: true,
      consumer: 'dispatcher',
      group,
      target: { datetime: at.toISOString() },
    });
    expect(await stored(testDb.db, group), 'a dry run changes nothing').toEqual(before);

    // What Kafka itself answers for that time, per partition.
    const admin = kafka.client.kafka.admin();
    await admin.connect();
    const expected: Record<string, string> = {};
    for (const t of [wmo, ow]) {
      for (const o of await admin.fetchTopicOffsetsByTimestamp(t, at.getTime()))
        expected[`${t}:${o.partition}`] = String(o.offset);
    }
    await admin.disconnect();
    // Records 0-4 of each topic are older than `at`: 7 of wmo's 12 and 1 of omgevingswet's 6 are read again.
    const reread = Object.entries(before).reduce((n, [k, high]) => n + Number(high) - Number(expected[k]), 0);
    expect(reread).toBe(18 - 10);
    expect(Object.fromEntries(plan.changes.map((c: Json) => [`${c.topic}:${c.partition}`, c.to]))).toEqual(
      expected,
    );
    expect(plan.reread).toBe(reread);
    expect(plan.skipped).toBe(0);

    const done = await hub.cli([
      'positions',
      'set',
      'dispatcher',
      '--to-datetime',
      at.toISOString(),
      '--execute',
      '--json',
    ]);
    expect(done.code, done.stderr).toBe(0);
    expect(done.json()).toMatchObject({ dryRun: false, changes: plan.changes });
    expect(await stored(testDb.db, group), '--execute does what the dry run said').toEqual(expected);

    const shown = await hub.cli(['positions', 'show', 'dispatcher', '--json']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.json()).toMatchObject({ consumer: 'dispatcher', lag: reread });
  });

  test('set --to-offset moves only the named partitions; offsets outside the log and unknown consumers are bad usage', async ({
    kafka,
    testDb,
    prefix,
    topic,
  }) => {
    const [wmo, ow] = [topic('wmo'), topic('omgevingswet')];
    await ensureTopics(kafka.client, [caseEventTopic(wmo, 2), caseEventTopic(ow, 1)]);
    await migrateToLatest(testDb.db, dispatcherMigrations, { schema: dispatcherSchema });
    const hub = await TestHub.create(testDb.url, kafka.brokers, `${prefix}.`);
    const group = `${prefix}.ketenhub-dispatcher`;
    await publishTimed(kafka.client, ow, 5, Date.now() - 60_000);
    await caughtUp(testDb.db, kafka.client, group, [wmo, ow]);
    const before = await stored(testDb.db, group);
    expect(before[`${ow}:0`]).toBe('5');

    const outside = await hub.cli([
      'positions',
      'set',
      'dispatcher',
      '--to-offset',
      'omgevingswet:0=6',
      '--execute',
    ]);
    expect(outside.code).toBe(2);
    expect(outside.stderr).toContain('outside the log (0 to 5)');
    expect(await stored(testDb.db, group)).toEqual(before);
    const unknown = await hub.cli(['positions', 'set', 'nobody', '--to-offset', 'omgevingswet:0=1']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown consumer nobody');
    const neither = await hub.cli(['positions', 'set', 'dispatcher']);
    expect(neither.code).toBe(2);

    // Topic named with its prefix or without it.
    const dry = await hub.cli(['positions', 'set', 'dispatcher', '--to-offset', `${ow}:0=2`, '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.json().changes).toEqual([
      expect.objectContaining({ topic: ow, partition: 0, from: '5', to: '2', delta: -3 }),
    ]);
    expect(await stored(testDb.db, group)).toEqual(before);
    const done = await hub.cli([
      'positions',
      'set',
      'dispatcher',
      '--to-offset',
      'omgevingswet:0=2',
      '--execute',
    ]);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toContain('re-read 3');
    expect(await stored(testDb.db, group)).toEqual({ ...before, [`${ow}:0`]: '2' });
  });

  test("set refuses while the consumer's service answers ready, unless --force", async ({
    kafka,
    testDb,
    prefix,
    topic,
  }) => {
    const [wmo, ow] = [topic('wmo'), topic('omgevingswet')];
    await ensureTopics(kafka.client, [caseEventTopic(wmo, 3), caseEventTopic(ow, 3)]);
    topic('ketenhub.registry.subscriptions');
    const hub = await TestHub.create(testDb.url, kafka.brokers, `${prefix}.`);
    const group = `${prefix}.ketenhub-dispatcher`;
    await publishTimed(kafka.client, wmo, 4, Date.now() - 60_000);
    try {
      await hub.start('dispatcher');
      // The running dispatcher reads the four records (not events: counted and skipped) and stores its position.
      const positions = async () =>
        Object.values(await stored(testDb.db, group)).reduce((n, o) => n + Number(o), 0);
      const deadline = Date.now() + 30_000;
      while ((await positions()) < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      const before = await stored(testDb.db, group);
      expect(Object.values(before).reduce((n, o) => n + Number(o), 0)).toBe(4);
      const [key] = Object.entries(before).find(([, o]) => o !== '0') as [string, string];
      const [t, p] = key.split(/:(?=\d+$)/) as [string, string];

      const refused = await hub.cli([
        'positions',
        'set',
        'dispatcher',
        '--to-offset',
        `${t}:${p}=0`,
        '--execute',
        '--json',
      ]);
      expect(refused.code).toBe(1);
      expect(refused.json().error).toMatchObject({
        kind: 'failed',
        service: 'dispatcher',
        readiness: 'ready',
      });
      expect(refused.json().error.message).toContain('answers ready');
      expect(await stored(testDb.db, group)).toEqual(before);

      // A dry run is allowed while it runs: it changes nothing.
      const dry = await hub.cli(['positions', 'set', 'dispatcher', '--to-offset', `${t}:${p}=0`]);
      expect(dry.code, dry.stderr).toBe(0);
      expect(dry.stdout).toContain('Would move dispatcher');

      const forced = await hub.cli([
        'positions',
        'set',
        'dispatcher',
        '--to-offset',
        `${t}:${p}=0`,
        '--execute',
        '--force',
        '--json',
      ]);
      expect(forced.code, forced.stderr).toBe(0);
      expect(forced.json().warning).toContain('--force');
    } finally {
      await hub.stopAll();
    }
  });
});
