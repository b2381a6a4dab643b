import { randomUUID } from 'node:crypto';
import { createPositionsTable, migrateToLatest } from '@ketenhub/db';
import { dispatcherMigrations, dispatcherSchema } from '@ketenhub/dispatcher';
import { caseEventTopic, createPublisher, ensureTopics, topicOffsets } from '@ketenhub/kafka';
import { ensureActiveVersion } from '@ketenhub/projection/versions';
import { describe, expect, test } from '@ketenhub/testkit';
import { type Kysely, sql } from 'kysely';
import { type Json, TestHub } from './support';

async function store(
  db: Kysely<unknown>,
  schema: string,
  group: string,
  topic: string,
  partition: number,
  next: string,
) {
  await sql`insert into ${sql.table(`${schema}.consumer_positions`)} (group_id, topic, partition, next_offset)
    values (${group}, ${topic}, ${partition}, ${next})
    on conflict (group_id, topic, partition) do update set next_offset = excluded.next_offset`.execute(db);
}

describe('ketenhub status', () => {
  test('--json reports the lag of every consumer: N records published past its stored position are lag N, aged by the oldest', async ({
    kafka,
    testDb,
    prefix,
    topic,
  }) => {
    const [wmo, ow] = [topic('wmo'), topic('omgevingswet')];
    await ensureTopics(kafka.client, [caseEventTopic(wmo, 3), caseEventTopic(ow, 2)]);
    const publisher = await createPublisher(kafka.client);
    const record = (t: string, timestampMs: number) => ({
      topic: t,
      key: randomUUID(),
      value: '{}',
      timestampMs,
    });
    try {
      // History every consumer has processed.
      const old = Date.now() - 86_400_000;
      await publisher.publish(Array.from({ length: 9 }, (_, i) => record(wmo, old + i)));

      const projectionSchema = `pk_${prefix.replace(/[^a-z0-9]/g, '_')}`;
      const version = await ensureActiveVersion(testDb.db, projectionSchema, `${prefix}-projection`);
      await migrateToLatest(testDb.db, dispatcherMigrations, { schema: dispatcherSchema });
      await sql`create schema if not exists gateway`.execute(testDb.db);
      await createPositionsTable(testDb.db, 'gateway');
      const consumers = {
        gateway: { schema: 'gateway', group: `${prefix}.gateway-access` },
        projection: { schema: version.schema, group: version.groupId },
        dispatcher: { schema: 'dispatcher', group: `${prefix}.ketenhub-dispatcher` },
      };
      for (const [name, c] of Object.entries(consumers)) {
        for (const p of await topicOffsets(kafka.client, wmo))
          await store(testDb.db, c.schema, c.group, wmo, p.partition, p.high);
        // The gateway never stored one for omgevingswet: it would read that topic from its start.
        if (name !== 'gateway') {
          for (const p of await topicOffsets(kafka.client, ow))
            await store(testDb.db, c.schema, c.group, ow, p.partition, p.high);
        }
      }

      // N = 7 records past every stored position, the oldest 90 s ago.
      const oldest = Date.now() - 90_000;
      await publisher.publish([
        ...Array.from({ length: 5 }, (_, i) => record(wmo, oldest + i * 1_000)),
        ...Array.from({ length: 2 }, (_, i) => record(ow, oldest + 10_000 + i * 1_000)),
      ]);

      const hub = await TestHub.create(testDb.url, kafka.brokers, `${prefix}.`);
      const env = { PROJECTION_SCHEMA: projectionSchema, PROJECTION_GROUP_ID: `${prefix}-projection` };
      const run = await hub.cli(['status', '--json'], env);
      // Nothing runs: not ready, exit 1, but the report is complete.
      expect(run.code, run.stderr).toBe(1);
      const report = run.json();
      expect(report.ok).toBe(false);
      expect(report.services.map((s: Json) => [s.service, s.status])).toEqual([
        ['registry', 'unreachable'],
        ['gateway', 'unreachable'],
        ['projection', 'unreachable'],
        ['dispatcher', 'unreachable'],
      ]);
      const byName = Object.fromEntries(report.consumers.map((c: Json) => [c.consumer, c]));
      expect(Object.keys(byName).sort()).toEqual(['dispatcher', 'gateway', 'projection']);
      for (const [name, c] of Object.entries(consumers)) {
        const lag = byName[name];
        expect(lag, name).toMatchObject({ schema: c.schema, group: c.group, records: 7 });
        expect(lag.oldestUnprocessed.timestamp, name).toBe(new Date(oldest).toISOString());
        expect(lag.oldestUnprocessed.ageSeconds, name).toBeGreaterThanOrEqual(90);
        expect(lag.oldestUnprocessed.ageSeconds, name).toBeLessThan(150);
      }
      expect(
        byName.gateway.partitions.filter((p: Json) => p.topic === ow).map((p: Json) => p.source),
      ).toEqual(['log-start', 'log-start']);
      expect(report.subscriptions).toEqual({ error: expect.stringContaining('dispatcher at'), items: [] });

      // The person's rendering of the same.
      const human = await hub.cli(['status'], env);
      expect(human.code).toBe(1);
      expect(human.stdout).toMatch(/dispatcher\s+\S+ketenhub-dispatcher\s+7\s+\d+ s \(/);
      expect(human.stdout).toContain('unreachable');
    } finally {
      await publisher.close();
    }
  });
});
