import { fold } from '@ketenhub/case-model';
import { newCaseId, omgevingswetLifecycle, testContext, wmoLifecycle } from '@ketenhub/case-model/testing';
import { createDatabase } from '@ketenhub/db';
import type { KetenEvent } from '@ketenhub/events';
import {
  caseEventTopic,
  createPublisher,
  ensureTopics,
  type KafkaClient,
  type RunningConsumer,
} from '@ketenhub/kafka';
import { createLogger } from '@ketenhub/service';
import { describe, expect, test } from '@ketenhub/testkit';
import { type Kysely, sql } from 'kysely';
import { publishEvents, shuffle, until } from '../../test/helpers';
import { typed } from '../database';
import { projectionChecksum } from '../versions/checksum';
import { createVersion, migrateBase } from '../versions/versions';
import { type ProjectionConsumerOptions, startProjectionConsumer } from './consumer';

const logger = createLogger({ service: 'projection-test', level: 'silent' });

/** The consumer as these tests run it: the test's Kafka client and the shared context and logger. */
const consume = (
  client: ProjectionConsumerOptions['client'],
  o: Omit<ProjectionConsumerOptions, 'client' | 'ctx' | 'logger'>,
) => startProjectionConsumer({ client, ctx: testContext, logger, ...o });

/** A projection base schema and the two domain topics, fresh for one test. */
async function projectionWorld(
  client: KafkaClient,
  db: Kysely<unknown>,
  topic: (name: string) => string,
  prefix: string,
) {
  const base = `p_${prefix.replace(/[^a-z0-9]/g, '_')}`;
  await migrateBase(db, base);
  const wmoTopic = topic('wmo');
  const owTopic = topic('omgevingswet');
  await ensureTopics(client, [caseEventTopic(wmoTopic, 3), caseEventTopic(owTopic, 3)]);
  return { base, wmoTopic, owTopic };
}

async function timelineCount(db: Kysely<unknown>, schema: string): Promise<number> {
  const r = await sql<{ n: string }>`select count(*) as n from ${sql.table(`${schema}.timeline`)}`.execute(
    db,
  );
  return Number(r.rows[0]?.n);
}

describe('projection consumer on real Kafka and PostgreSQL', () => {
  test('re-published copies anywhere later in the log change nothing; bad records are rejected', async ({
    kafka,
    topic,
    testDb,
    prefix,
  }) => {
    const { base, wmoTopic, owTopic } = await projectionWorld(kafka.client, testDb.db, topic, prefix);

    const wmoCases = Array.from({ length: 6 }, () => newCaseId());
    const owCases = Array.from({ length: 6 }, () => newCaseId());
    const wmoEvents = wmoCases.flatMap((id) => wmoLifecycle(id));
    const owEvents = owCases.flatMap((id) => omgevingswetLifecycle(id));

    const inOrder = await createVersion(testDb.db, base, `${prefix}-a`);
    const shuffled = await createVersion(testDb.db, base, `${prefix}-b`);

    // Version A reads topics with the events in order; version B reads other topics with the same
    // log, interleaved across cases, with copies of earlier events re-published later (a producer's
    // re-send after a crash) and garbage. The fold order is the log, so the copies change nothing.
    const wmoTopicB = topic('wmo-b');
    const owTopicB = topic('omgevingswet-b');
    await ensureTopics(kafka.client, [caseEventTopic(wmoTopicB, 3), caseEventTopic(owTopicB, 3)]);
    const publisher = await createPublisher(kafka.client);
    await publishEvents(publisher, wmoTopic, wmoEvents);
    await publishEvents(publisher, owTopic, owEvents);
    const interleave = (lists: KetenEvent[][]) =>
      Array.from({ length: Math.max(...lists.map((l) => l.length)) }, (_, i) =>
        lists.flatMap((l) => (l[i] ? [l[i]] : [])),
      ).flat();
    const wmoB = interleave(wmoCases.map((id) => wmoLifecycle(id)));
    const owB = interleave(owCases.map((id) => omgevingswetLifecycle(id)));
    await publishEvents(publisher, wmoTopicB, [
      ...wmoB.slice(0, 60),
      ...shuffle(wmoB.slice(0, 60), 3).slice(0, 20),
      ...wmoB.slice(60),
    ]);
    await publishEvents(publisher, owTopicB, [...owB, ...shuffle(owB, 5).slice(0, 10)]);
    await publisher.publish([
      {
        topic: wmoTopicB,
        key: 'not-json',
        value: 'this is not a CloudEvent',
        headers: { 'content-type': 'application/cloudevents+json' },
      },
      {
        topic: wmoTopicB,
        key: wmoCases[0] as string,
        value: JSON.stringify({
          ...(wmoEvents[1] as KetenEvent),
          id: 'bad-bsn',
          data: { bsn: '123456789', gemeentecode: '0999', meldingsdatum: '2026-03-02' },
        }),
        headers: { 'content-type': 'application/cloudevents+json' },
      },
    ]);
    await publisher.close();

    const consumers: RunningConsumer[] = [];
    try {
      consumers.push(
        await consume(kafka.client, {
          db: typed(testDb.db),
          version: inOrder,
          topics: [wmoTopic, owTopic],
        }),
        await consume(kafka.client, {
          db: typed(testDb.db),
          version: shuffled,
          topics: [wmoTopicB, owTopicB],
          // Version B loads its timeline with COPY (and its duplicates fall back to the statement).
          copyMinRecords: 1,
        }),
      );
      const count = (schema: string) => timelineCount(testDb.db, schema);
      const total = wmoEvents.length + owEvents.length;
      await until(
        async () => (await count(inOrder.schema)) === total && (await count(shuffled.schema)) === total,
        60_000,
        'both versions complete',
      );
      await until(async () => {
        const r = await sql<{
          n: string;
        }>`select count(*) as n from ${sql.table(`${shuffled.schema}.rejected`)}`.execute(testDb.db);
        return Number(r.rows[0]?.n) === 2;
      });
    } finally {
      for (const c of consumers) await c.stop();
    }

    const a = await projectionChecksum(testDb.db, inOrder.schema);
    const b = await projectionChecksum(testDb.db, shuffled.schema);
    expect(a.cases).toBe(12);
    expect(b).toEqual(a);

    // And the stored state is exactly the pure fold of the events.
    const row = await sql<{
      state: unknown;
    }>`select state from ${sql.table(`${shuffled.schema}.cases`)} where id = ${owCases[2]}`.execute(
      testDb.db,
    );
    const { laatste, ...stored } = (row.rows[0]?.state ?? {}) as Record<string, unknown>;
    expect(laatste).toMatchObject({ topic: owTopicB });
    const { laatste: _none, ...pure } = JSON.parse(
      JSON.stringify(fold(owCases[2] as string, omgevingswetLifecycle(owCases[2] as string), testContext)),
    );
    expect(stored).toEqual(pure);

    const rejected = await sql<{ sleutel: string; overtredingen: { rule: string; field: string }[] }>`
      select sleutel, overtredingen from ${sql.table(`${shuffled.schema}.rejected`)} order by kafka_offset`.execute(
      testDb.db,
    );
    expect(rejected.rows.flatMap((r) => r.overtredingen.map((v) => `${v.field}:${v.rule}`))).toEqual(
      expect.arrayContaining(['value:json', 'data.bsn:bsn-11-proef']),
    );
  });

  test('transactions cut off by PostgreSQL are retried in order: the same state as an undisturbed run', async ({
    kafka,
    topic,
    testDb,
    prefix,
  }) => {
    const { base, wmoTopic, owTopic } = await projectionWorld(kafka.client, testDb.db, topic, prefix);
    const wmoEvents = Array.from({ length: 150 }, () => newCaseId()).flatMap((id) => wmoLifecycle(id));
    const owEvents = Array.from({ length: 150 }, () => newCaseId()).flatMap((id) =>
      omgevingswetLifecycle(id),
    );
    const publisher = await createPublisher(kafka.client);
    await publishEvents(publisher, wmoTopic, wmoEvents);
    await publishEvents(publisher, owTopic, owEvents);
    await publisher.close();
    const total = wmoEvents.length + owEvents.length;

    const calm = await createVersion(testDb.db, base, `${prefix}-calm`);
    const cut = await createVersion(testDb.db, base, `${prefix}-cut`);
    // The disturbed consumer has connections of its own, so they can be killed without the test's.
    const application = `projection-cut-${prefix}`.slice(0, 60);
    const cutDb = createDatabase<unknown>({
      url: testDb.url,
      maxConnections: 4,
      applicationName: application,
    });
    const small = {
      maxRecordsPerTransaction: 20,
      maxBytesPerPartition: 16 * 1024,
      partitionsConcurrently: 6,
    };
    const count = (schema: string) => timelineCount(testDb.db, schema);
    const consumers: RunningConsumer[] = [];
    let killed = 0;
    // A consumer that gives up would leave the loop below waiting for a count that never comes:
    // fail at once, with its reason.
    let stopped: Error | undefined;
    const onStop = (error: Error) => {
      stopped = error;
    };
    try {
      consumers.push(
        await consume(kafka.client, {
          db: typed(testDb.db),
          version: calm,
          topics: [wmoTopic, owTopic],
          ...small,
        }),
        await consume(kafka.client, {
          db: typed(cutDb),
          version: cut,
          topics: [wmoTopic, owTopic],
          onStop,
          ...small,
        }),
      );
      // Cut the disturbed consumer's connections, mid-transaction, while it catches up.
      const deadline = Date.now() + 60_000;
      while ((await count(cut.schema)) < total && killed < 6) {
        if (stopped) throw new Error(`the disturbed consumer stopped: ${stopped.message}`);
        if (Date.now() > deadline)
          throw new Error(`no progress: ${await count(cut.schema)}/${total}, ${killed} cut`);
        const r = await sql<{
          n: number;
        }>`select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
          where application_name = ${application} and state <> 'idle'`.execute(testDb.db);
        killed += r.rows[0]?.n ?? 0;
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
      await until(
        async () => {
          if (stopped) throw new Error(`the disturbed consumer stopped: ${stopped.message}`);
          return (await count(calm.schema)) === total && (await count(cut.schema)) === total;
        },
        90_000,
        'both versions complete',
      );
    } finally {
      for (const c of consumers) await c.stop();
      await cutDb.destroy();
    }
    expect(killed).toBeGreaterThan(0);
    const a = await projectionChecksum(testDb.db, calm.schema);
    expect(a.cases).toBe(300);
    expect(await projectionChecksum(testDb.db, cut.schema)).toEqual(a);
  });
});
