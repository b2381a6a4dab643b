import { randomBytes } from 'node:crypto';
import { deleteConsumerGroup, type KafkaClient } from '@ketenhub/kafka';

/**
 * The two Kafka questions the CLI asks that `@ketenhub/kafka` has no function for: which offset a
 * moment in time has, and when the record at an offset was written. They go through the adapter's
 * client handle (kafkajs is still imported only by packages/kafka).
 */

export interface PartitionOffset {
  partition: number;
  offset: string;
}

/**
 * Per partition, the first offset whose record timestamp is at or after `at` (Kafka's ListOffsets by
 * timestamp); a partition with nothing that late answers its end offset, so nothing is re-read there.
 */
export async function offsetsForTime(
  client: KafkaClient,
  topic: string,
  at: Date,
): Promise<PartitionOffset[]> {
  const admin = client.kafka.admin();
  try {
    await admin.connect();
    const found = await admin.fetchTopicOffsetsByTimestamp(topic, at.getTime());
    return found
      .map((o) => ({ partition: o.partition, offset: String(o.offset) }))
      .sort((a, b) => a.partition - b.partition);
  } finally {
    await admin.disconnect();
  }
}

export interface RecordAt {
  topic: string;
  partition: number;
  offset: string;
}

const key = (topic: string, partition: number) => `${topic}:${partition}`;

/**
 * The timestamps (ms) of the records at the given offsets, read with a throwaway consumer group
 * that seeks there and reads one batch per partition. Kafka has no "fetch this offset" outside a
 * consumer, and kafkajs' consumer is group-based, so this costs one group join (a moment on the
 * local broker, `group.initial.rebalance.delay.ms` elsewhere: 3 s by default). Offsets not read
 * within `timeoutMs` are missing from the answer.
 */
export async function recordTimestamps(
  client: KafkaClient,
  wanted: readonly RecordAt[],
  timeoutMs = 15_000,
): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  if (wanted.length === 0) return found;
  const want = new Map(wanted.map((w) => [key(w.topic, w.partition), BigInt(w.offset)]));
  const groupId = `ketenhub-cli-peek-${randomBytes(6).toString('hex')}`;
  const consumer = client.kafka.consumer({
    groupId,
    maxWaitTimeInMs: 200,
    maxBytesPerPartition: 256 * 1024,
    allowAutoTopicCreation: false,
    retry: { retries: 3 },
  });
  let done: () => void = () => undefined;
  const allFound = new Promise<void>((resolve) => {
    done = resolve;
  });
  consumer.on(consumer.events.GROUP_JOIN, () => {
    for (const w of wanted) consumer.seek({ topic: w.topic, partition: w.partition, offset: w.offset });
  });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [...new Set(wanted.map((w) => w.topic))], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const k = key(batch.topic, batch.partition);
        const target = want.get(k);
        if (target === undefined || found.has(k)) return;
        // A fetch before the seek took effect starts lower: the first record at or past the target
        // is the one (offsets only grow within a partition).
        const hit = batch.messages.find((m) => BigInt(m.offset) >= target);
        if (!hit) return;
        found.set(k, Number(hit.timestamp));
        consumer.pause([{ topic: batch.topic, partitions: [batch.partition] }]);
        if (found.size === want.size) done();
      },
    });
    await Promise.race([allFound, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
    return found;
  } finally {
    await consumer.disconnect().catch(() => undefined);
    // It committed nothing, but the empty group would linger in listings until it expires.
    await deleteConsumerGroup(client, groupId, { timeoutMs: 5_000, pollMs: 250 }).catch(() => undefined);
  }
}
