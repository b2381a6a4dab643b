import { groupOffsets, topicOffsets } from '@ketenhub/kafka';
import { sql } from 'kysely';
import type { Context } from '../context';
import { FailedError } from '../errors';
import { recordTimestamps } from '../kafka';
import type { ConsumerSpec } from './consumers';

/** Where one partition of a consumer stands. Offsets are decimal strings (int64). */
export interface PartitionState {
  topic: string;
  partition: number;
  /** First offset still in the log. */
  low: string;
  /** End of the log: the offset the next record will get. */
  high: string;
  /** The position stored in PostgreSQL, or null when the consumer never stored one. */
  stored: string | null;
  storedAt: string | null;
  /** The offset the consumer reads next. */
  next: string;
  /**
   * Where `next` comes from. A partition without a stored position is read from the offset the
   * group committed to Kafka (kafkajs starts there before any seek), or else from the start.
   */
  source: 'stored' | 'kafka-committed' | 'log-start';
  /** Records between `next` and the end of the log. */
  lag: number;
}

const big = (s: string) => BigInt(s);
const maxOf = (a: string, b: string) => (big(a) > big(b) ? a : b);

/** A topic's offsets; a topic Kafka does not have is a failure that names it (a wrong prefix, say). */
export async function offsetsOf(ctx: Context, topic: string) {
  try {
    return await topicOffsets(ctx.kafka, topic);
  } catch (error) {
    const type = (error as { type?: string }).type;
    if (type === 'UNKNOWN_TOPIC_OR_PARTITION' || /does not host this topic-partition/.test(String(error))) {
      throw new FailedError(
        `Kafka has no topic ${topic} (KAFKA_TOPIC_PREFIX is "${ctx.env.KAFKA_TOPIC_PREFIX}"; the services create it on start)`,
        { topic },
      );
    }
    throw error;
  }
}

/** The stored positions of one consumer against the end offsets of its topics. */
export async function partitionStates(ctx: Context, consumer: ConsumerSpec): Promise<PartitionState[]> {
  const rows = await sql<{ topic: string; partition: number; next_offset: string; updated_at: Date }>`
    select topic, partition, next_offset::text as next_offset, updated_at
    from ${sql.table(`${consumer.schema}.consumer_positions`)} where group_id = ${consumer.group}`.execute(
    ctx.db,
  );
  const stored = new Map(rows.rows.map((r) => [`${r.topic}:${r.partition}`, r]));
  const states: PartitionState[] = [];
  let committed: Map<string, string> | undefined;
  for (const topic of consumer.topics) {
    for (const p of await offsetsOf(ctx, topic)) {
      const row = stored.get(`${topic}:${p.partition}`);
      let next: string;
      let source: PartitionState['source'];
      if (row) {
        next = row.next_offset;
        source = 'stored';
      } else {
        committed ??= new Map(
          (await groupOffsets(ctx.kafka, consumer.group, consumer.topics))
            .filter((o) => big(o.offset) >= 0n)
            .map((o) => [`${o.topic}:${o.partition}`, o.offset]),
        );
        const c = committed.get(`${topic}:${p.partition}`);
        next = c ?? p.low;
        source = c ? 'kafka-committed' : 'log-start';
      }
      // A position below the log's start reads from the start; one past the end reads nothing.
      const from = maxOf(next, p.low);
      const lag = big(p.high) > big(from) ? Number(big(p.high) - big(from)) : 0;
      states.push({
        topic,
        partition: p.partition,
        low: p.low,
        high: p.high,
        stored: row?.next_offset ?? null,
        storedAt: row?.updated_at.toISOString() ?? null,
        next,
        source,
        lag,
      });
    }
  }
  return states;
}

export interface OldestRecord {
  topic: string;
  partition: number;
  offset: string;
  timestamp: string;
  ageSeconds: number;
}

export interface ConsumerLag {
  consumer: string;
  description: string;
  schema: string;
  group: string;
  /** Records not yet processed, over all partitions. */
  records: number;
  /**
   * The oldest record not yet processed (the earliest timestamp among the records each lagging
   * partition reads next), or null when there is no lag. `ageUnknown` when Kafka did not hand a
   * record over in time.
   */
  oldestUnprocessed: OldestRecord | null;
  ageUnknown?: true;
  partitions: (PartitionState & { headTimestamp: string | null })[];
}

/** Lag in records and in time for several consumers, with one record read per lagging partition. */
export async function consumerLags(ctx: Context, consumers: readonly ConsumerSpec[]): Promise<ConsumerLag[]> {
  const states = await Promise.all(consumers.map((c) => partitionStates(ctx, c)));
  const heads = new Map<string, { topic: string; partition: number; offset: string }>();
  for (const list of states) {
    for (const s of list) {
      if (s.lag === 0) continue;
      const offset = maxOf(s.next, s.low);
      heads.set(`${s.topic}:${s.partition}:${offset}`, { topic: s.topic, partition: s.partition, offset });
    }
  }
  // Consumers of the same topics often wait at the same offsets: one read per distinct head. A
  // throwaway group reads one offset per partition, so heads of one partition at different
  // offsets (two consumers apart) take a round each.
  const timestamps = new Map<string, number>();
  let pending = [...heads.values()];
  while (pending.length > 0) {
    const round = new Map<string, (typeof pending)[number]>();
    const later: typeof pending = [];
    for (const h of pending) {
      const k = `${h.topic}:${h.partition}`;
      if (round.has(k)) later.push(h);
      else round.set(k, h);
    }
    const got = await recordTimestamps(ctx.kafka, [...round.values()]);
    for (const h of round.values()) {
      const ts = got.get(`${h.topic}:${h.partition}`);
      if (ts !== undefined) timestamps.set(`${h.topic}:${h.partition}:${h.offset}`, ts);
    }
    pending = later;
  }
  const now = ctx.now().getTime();
  return consumers.map((c, i) => {
    const list = states[i] ?? [];
    let oldest: OldestRecord | null = null;
    let unknown = false;
    const partitions = list.map((s) => {
      if (s.lag === 0) return { ...s, headTimestamp: null };
      const offset = maxOf(s.next, s.low);
      const ts = timestamps.get(`${s.topic}:${s.partition}:${offset}`);
      if (ts === undefined) {
        unknown = true;
        return { ...s, headTimestamp: null };
      }
      if (!oldest || ts < Date.parse(oldest.timestamp)) {
        oldest = {
          topic: s.topic,
          partition: s.partition,
          offset,
          timestamp: new Date(ts).toISOString(),
          ageSeconds: Math.max(0, (now - ts) / 1000),
        };
      }
      return { ...s, headTimestamp: new Date(ts).toISOString() };
    });
    return {
      consumer: c.name,
      description: c.description,
      schema: c.schema,
      group: c.group,
      records: list.reduce((n, s) => n + s.lag, 0),
      oldestUnprocessed: oldest,
      ...(unknown ? { ageUnknown: true as const } : {}),
      partitions,
    };
  });
}
