import { applyBatchOnce, createPositionsTable, loadPositions } from '@ketenhub/db';
import { describe, expect, test } from '@ketenhub/testkit';
import { sql } from 'kysely';
import {
  ack,
  caseEventTopic,
  createPublisher,
  ensureTopics,
  type RecordBatch,
  runConsumer,
  topicOffsets,
} from './index';

const until = async (check: () => boolean | Promise<boolean>, timeoutMs = 30_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('kafka adapter on a real broker', () => {
  test('keeps per-key order across partitions', async ({ kafka, topic, groupId }) => {
    const name = topic('order');
    await ensureTopics(kafka.client, [caseEventTopic(name, 4)]);
    const publisher = await createPublisher(kafka.client);
    const keys = Array.from({ length: 12 }, (_, i) => `case-${i}`);
    // Interleave keys so every partition receives several keys' sequences mixed together.
    for (let round = 0; round < 4; round++) {
      await publisher.publish(
        Array.from({ length: 25 }, (_, j) => j).flatMap((j) =>
          keys.map((key) => ({ topic: name, key, value: JSON.stringify({ key, n: round * 25 + j }) })),
        ),
      );
    }
    await publisher.close();

    const seen = new Map<string, number[]>();
    const partitionsSeen = new Set<number>();
    const consumer = await runConsumer(kafka.client, {
      groupId,
      topics: [name],
      handleBatch: async (batch: RecordBatch) => {
        partitionsSeen.add(batch.partition);
        for (const r of batch.records) {
          const { key, n } = JSON.parse(String(r.value)) as { key: string; n: number };
          expect(r.key).toBe(key);
          seen.set(key, [...(seen.get(key) ?? []), n]);
        }
        return ack();
      },
    });
    await until(() => [...seen.values()].reduce((a, l) => a + l.length, 0) === keys.length * 100);
    await consumer.stop();

    expect(partitionsSeen.size).toBeGreaterThan(1);
    for (const key of keys) expect(seen.get(key)).toEqual(Array.from({ length: 100 }, (_, n) => n));
    const offsets = await topicOffsets(kafka.client, name);
    expect(offsets.reduce((sum, o) => sum + Number(o.high), 0)).toBe(keys.length * 100);
  });

  test('a consumer restarted mid-stream continues from its stored position, losing and repeating nothing', async ({
    kafka,
    topic,
    groupId,
    testDb,
  }) => {
    const name = topic('restart');
    await ensureTopics(kafka.client, [caseEventTopic(name, 3)]);
    const schema = `s_${groupId.replace(/[^a-z0-9]/g, '_')}`;
    await sql`create schema ${sql.id(schema)}`.execute(testDb.db);
    await createPositionsTable(testDb.db, schema);
    await sql`create table ${sql.table(`${schema}.effects`)} (value text primary key)`.execute(testDb.db);

    const publisher = await createPublisher(kafka.client);
    const total = 600;
    const publishRange = (from: number, to: number) =>
      publisher.publish(
        Array.from({ length: to - from }, (_, i) => ({
          topic: name,
          key: `case-${(from + i) % 17}`,
          value: `v${from + i}`,
        })),
      );

    // The first run holds its handler once it has applied `holdAfter` records and is stopped
    // while it waits there: a stop mid-stream at a known point, whatever the machine's speed.
    let applied = 0;
    let holding = false;
    let release: () => void = () => undefined;
    const released = new Promise<void>((r) => {
      release = r;
    });
    const startConsumer = (holdAfter?: number) =>
      runConsumer(kafka.client, {
        groupId,
        topics: [name],
        maxBytesPerPartition: holdAfter === undefined ? undefined : 256,
        loadPositions: (t, partitions) =>
          loadPositions(testDb.db, schema, groupId, t).then(
            (all) => new Map([...all].filter(([p]) => partitions.includes(p))),
          ),
        handleBatch: async (batch) => {
          await applyBatchOnce(
            testDb.db,
            schema,
            { group: groupId, topic: batch.topic, partition: batch.partition },
            batch.records,
            async (trx, fresh) => {
              for (const r of fresh) {
                // Primary key: a duplicate application would fail the transaction.
                await sql`insert into ${sql.table(`${schema}.effects`)} values (${String(r.value)})`.execute(
                  trx,
                );
              }
            },
          );
          applied += batch.records.length;
          if (holdAfter !== undefined && applied >= holdAfter) {
            holding = true;
            await released;
          }
          return ack();
        },
      });
    const count = async () =>
      Number(
        (
          await sql<{ n: string }>`select count(*) as n from ${sql.table(`${schema}.effects`)}`.execute(
            testDb.db,
          )
        ).rows[0]?.n,
      );

    // Several small sends, so each partition holds several record batches.
    for (let from = 0; from < total / 2; from += 30) await publishRange(from, from + 30);
    // First run: stopped while its handler is held part way through what is there.
    const first = await startConsumer(100);
    await until(() => holding);
    const stopping = first.stop();
    release();
    await stopping;
    const afterFirst = await count();
    expect(afterFirst).toBeGreaterThanOrEqual(100);
    expect(afterFirst).toBeLessThan(total / 2);

    await publishRange(total / 2, total);
    const second = await startConsumer();
    await until(async () => (await count()) === total);
    // Give a redelivery (if any) the chance to show up as an extra row or a failed transaction.
    await new Promise((r) => setTimeout(r, 500));
    await second.stop();
    await publisher.close();
    const values = await sql<{ value: string }>`select value from ${sql.table(`${schema}.effects`)}`.execute(
      testDb.db,
    );
    expect(new Set(values.rows.map((r) => r.value))).toEqual(
      new Set(Array.from({ length: total }, (_, i) => `v${i}`)),
    );
  });

  test('Kafka committed offsets ahead of the stored positions (acknowledged, never stored, then a crash) skip nothing: reading starts at the stored position, or at the beginning without one', async ({
    kafka,
    topic,
    groupId,
  }) => {
    const name = topic('ahead');
    await ensureTopics(kafka.client, [caseEventTopic(name, 2)]);
    const publisher = await createPublisher(kafka.client);
    await publisher.publish(
      Array.from({ length: 200 }, (_, i) => ({ topic: name, key: `case-${i % 11}`, value: `v${i}` })),
    );
    await publisher.close();
    const ends = await topicOffsets(kafka.client, name);
    const high = new Map(ends.map((e) => [e.partition, Number(e.high)]));
    expect([...high.values()].every((n) => n > 20)).toBe(true);
    // What a consumer that acknowledged batches before storing them leaves in Kafka: committed
    // offsets near the end. Its own store holds partition 0 at 5 and nothing for partition 1.
    const admin = kafka.client.kafka.admin();
    await admin.connect();
    await admin.setOffsets({
      groupId,
      topic: name,
      partitions: ends.map((e) => ({ partition: e.partition, offset: String(Number(e.high) - 10) })),
    });
    await admin.disconnect();
    const stored = new Map([[0, '5']]);
    const handled = new Map<number, number[]>();
    const consumer = await runConsumer(kafka.client, {
      groupId,
      topics: [name],
      // A slow database at the join: kafkajs has fetched from the committed offsets by then.
      loadPositions: async (_t, partitions) => {
        await new Promise((r) => setTimeout(r, 1_500));
        return new Map([...stored].filter(([p]) => partitions.includes(p)));
      },
      handleBatch: async (batch) => {
        handled.set(batch.partition, [
          ...(handled.get(batch.partition) ?? []),
          ...batch.records.map((r) => Number(r.offset)),
        ]);
        return ack();
      },
    });
    const done = () => [...high].every(([p, h]) => (handled.get(p) ?? []).includes(h - 1));
    await until(done);
    await consumer.stop();
    const expected = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
    // Partition 0 from its stored position, partition 1 from the beginning; in order, nothing twice.
    expect(handled.get(0)).toEqual(expected(5, high.get(0) as number));
    expect(handled.get(1)).toEqual(expected(0, high.get(1) as number));
  });

  test("a pipelined handler's monitoring commits wait for its batches to be stored", async ({
    kafka,
    topic,
    groupId,
  }) => {
    const name = topic('pipelined');
    await ensureTopics(kafka.client, [caseEventTopic(name, 1)]);
    const publisher = await createPublisher(kafka.client);
    await publisher.publish(
      Array.from({ length: 50 }, (_, i) => ({ topic: name, key: 'case', value: `v${i}` })),
    );
    await publisher.close();
    let store: () => void = () => undefined;
    const stored = new Promise<void>((r) => {
      store = r;
    });
    let handled = 0;
    const consumer = await runConsumer(kafka.client, {
      groupId,
      topics: [name],
      monitoringCommitIntervalMs: 50,
      handleBatch: async (batch) => {
        handled += batch.records.length;
        return ack(stored);
      },
    });
    const admin = kafka.client.kafka.admin();
    await admin.connect();
    const committed = async () =>
      Number((await admin.fetchOffsets({ groupId, topics: [name] }))[0]?.partitions[0]?.offset ?? -1);
    try {
      await until(() => handled === 50);
      // Handed in and acknowledged, not stored: several commit intervals later Kafka holds nothing.
      await new Promise((r) => setTimeout(r, 500));
      expect(await committed()).toBe(-1);
      store();
      await until(async () => (await committed()) === 50);
    } finally {
      await consumer.stop();
      await admin.disconnect();
    }
  });

  test('stored positions that fail to load at a join are retried: the consumer keeps running and misses nothing', async ({
    kafka,
    topic,
    groupId,
  }) => {
    const name = topic('positions-retry');
    await ensureTopics(kafka.client, [caseEventTopic(name, 3)]);
    const publisher = await createPublisher(kafka.client);
    const total = 90;
    await publisher.publish(
      Array.from({ length: total }, (_, i) => ({ topic: name, key: `case-${i % 7}`, value: `v${i}` })),
    );
    await publisher.close();
    let loads = 0;
    let stoppedWith: Error | undefined;
    const seen = new Set<string>();
    const consumer = await runConsumer(kafka.client, {
      groupId,
      topics: [name],
      // The database is unreachable for the first two attempts (as when a connection is cut).
      loadPositions: async () => {
        loads++;
        if (loads <= 2) throw new Error('terminating connection due to administrator command');
        return new Map();
      },
      onStop: (error) => {
        stoppedWith = error;
      },
      handleBatch: async (batch) => {
        for (const r of batch.records) seen.add(String(r.value));
        return ack();
      },
    });
    await until(() => seen.size === total && loads >= 3);
    expect(stoppedWith).toBeUndefined();
    expect(consumer.isReady()).toBe(true);
    await consumer.stop();
  });
});
