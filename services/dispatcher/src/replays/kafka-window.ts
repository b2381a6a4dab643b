import { randomUUID } from 'node:crypto';
import {
  ack,
  type ConsumedRecord,
  deleteConsumerGroup,
  type KafkaClient,
  runConsumer,
  stop,
  topicOffsets,
} from '@ketenhub/kafka';

/** `<topic>:<partition>`, the key of a window's partitions in the API and in progress. */
export const partitionKey = (topic: string, partition: number) => `${topic}:${partition}`;

export interface PartitionRange {
  topic: string;
  partition: number;
  /** First offset to read. */
  from: bigint;
  /** Offset after the last one to read. */
  to: bigint;
}

/** Start and end of every partition of the topics. */
export async function partitionEnds(kafka: KafkaClient, topics: readonly string[]) {
  const out = new Map<string, { topic: string; partition: number; low: bigint; high: bigint }>();
  for (const topic of topics) {
    for (const o of await topicOffsets(kafka, topic)) {
      out.set(partitionKey(topic, o.partition), {
        topic,
        partition: o.partition,
        low: BigInt(o.low),
        high: BigInt(o.high),
      });
    }
  }
  return out;
}

/**
 * Per partition, the offset of the first record whose timestamp is at or after `atMs` (the end
 * of the partition when there is none): Kafka's ListOffsets by timestamp.
 *
 * The adapter in packages/kafka has no such call yet; the admin client is reached through the
 * client handle here, in this one function, until it moves there (reported in the session's notes).
 */
export async function offsetsForTime(
  kafka: KafkaClient,
  topic: string,
  atMs: number,
): Promise<Map<number, bigint>> {
  const admin = kafka.kafka.admin();
  try {
    await admin.connect();
    const offsets = await admin.fetchTopicOffsetsByTimestamp(topic, atMs);
    return new Map(offsets.map((o) => [o.partition, BigInt(o.offset)]));
  } finally {
    await admin.disconnect();
  }
}

export type RangeHandler = (
  topic: string,
  partition: number,
  /** Records of the range in this batch, in log order (maybe none). */
  records: ConsumedRecord[],
  /** The partition's next offset after this batch. */
  next: bigint,
) => Promise<'continue' | 'stop'>;

/**
 * Reads each range once, in order per partition, with a consumer group of its own (one per read:
 * the adapter reads only through groups) that seeks to each range's start on joining. Records
 * outside the ranges (a fetch before the seek lands, live traffic past the end) are dropped.
 * Resolves when every range is read; `stop` from the handler ends the read early (resolved too).
 */
export async function readRanges(
  kafka: KafkaClient,
  ranges: readonly PartitionRange[],
  handle: RangeHandler,
  options: {
    groupPrefix: string;
    partitionsConcurrently?: number;
    maxBytesPerPartition?: number | undefined;
    /** Asked twice a second too: a cancelled job stops even while no batch comes. */
    alive?: () => boolean;
  },
): Promise<'done' | 'stopped'> {
  const state = new Map(ranges.map((r) => [partitionKey(r.topic, r.partition), { ...r, next: r.from }]));
  const open = () => [...state.values()].filter((r) => r.next < r.to).length;
  if (open() === 0) return 'done';
  const topics = [...new Set(ranges.map((r) => r.topic))];
  const groupId = `${options.groupPrefix}dispatcher-replay-${randomUUID()}`;
  let finish: (how: 'done' | 'stopped' | Error) => void = () => undefined;
  const finished = new Promise<'done' | 'stopped' | Error>((resolve) => {
    finish = resolve;
  });
  const consumer = await runConsumer(kafka, {
    groupId,
    topics,
    // Before the seek lands, a fresh group would read from its start: from the end instead, which
    // is past every range and dropped.
    fromBeginning: false,
    partitionsConcurrently: options.partitionsConcurrently ?? 4,
    maxBytesPerPartition: options.maxBytesPerPartition ?? 2 * 1024 * 1024,
    loadPositions: async (topic, partitions) => {
      const out = new Map<number, string>();
      for (const p of partitions) {
        const r = state.get(partitionKey(topic, p));
        if (r && r.next < r.to) out.set(p, r.next.toString());
      }
      return out;
    },
    onStop: (error) => finish(error),
    handleBatch: async (batch) => {
      const r = state.get(partitionKey(batch.topic, batch.partition));
      if (!r || r.next >= r.to) return ack();
      const records = batch.records.filter((x) => {
        const o = BigInt(x.offset);
        return o >= r.next && o < r.to;
      });
      const last = BigInt(batch.lastOffset);
      if (last < r.next) return ack();
      const next = last + 1n < r.to ? last + 1n : r.to;
      const outcome = await handle(batch.topic, batch.partition, records, next);
      r.next = next;
      if (outcome === 'stop') {
        finish('stopped');
        return stop(new Error('read stopped'));
      }
      if (open() === 0) finish('done');
      return ack();
    },
  });
  const watch = setInterval(() => {
    if (options.alive && !options.alive()) finish('stopped');
  }, 500);
  const how = await finished;
  clearInterval(watch);
  await consumer.stop().catch(() => undefined);
  void deleteConsumerGroup(kafka, groupId, { timeoutMs: 10_000 }).catch(() => undefined);
  if (how instanceof Error) {
    if (how.message === 'read stopped') return 'stopped';
    throw how;
  }
  return how;
}
