import type { Consumer, IHeaders } from 'kafkajs';
import type { KafkaClient } from './client';
import { SKIPPED_HEADERS } from './kafkajs-records';

export interface ConsumedRecord {
  topic: string;
  partition: number;
  /** Offsets are int64; kept as decimal strings so nothing rounds past 2^53. */
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
  timestampMs: number;
}

export interface RecordBatch {
  topic: string;
  partition: number;
  records: ConsumedRecord[];
  /** Offset the next produced record will get: `highWatermark - lastOffset - 1` is the lag. */
  highWatermark: string;
  /**
   * Offset of the batch's last record. The same as the last of `records`, unless this thread
   * decodes only some records ({@link decodeOnlyRecordsWith}): then `records` holds those (maybe
   * none), and this is where a stored position moves past the skipped ones.
   */
  lastOffset: string;
  /** Records fetched for this batch, skipped ones included. */
  fetched: number;
}

/**
 * What a batch handler decided. Expected failures are values, not exceptions:
 * - `ack`: the batch's effects (and its position) are stored; move on. A handler that pipelines
 *   (acknowledges a batch once it is queued, as the projection does) passes `stored`, which
 *   resolves once they are: Kafka's monitoring commit waits for it, so the group's lag in Kafka's
 *   own tools is what is really left to do, not what is fetched.
 * - `stop`: something the consumer cannot get past by retrying (e.g. a poison record the
 *   handler refuses to skip); the consumer stops and reports the error, the service turns unready.
 * A thrown exception means broken infrastructure (PostgreSQL down, a bug): the batch is retried.
 */
export type BatchOutcome = { type: 'ack'; stored?: Promise<unknown> } | { type: 'stop'; error: Error };

export const ack = (stored?: Promise<unknown>): BatchOutcome =>
  stored ? { type: 'ack', stored } : { type: 'ack' };
export const stop = (error: Error): BatchOutcome => ({ type: 'stop', error });

export interface ConsumerOptions {
  groupId: string;
  topics: string[];
  /** Where a partition without a stored position starts. Default: the beginning (the log is the record). */
  fromBeginning?: boolean;
  handleBatch(batch: RecordBatch): Promise<BatchOutcome>;
  /**
   * Positions the service stored together with its effects: next offset to read per partition.
   * On every assignment the consumer seeks there, so Kafka's own committed offsets (which are
   * written after the effects, for monitoring) never decide what is read.
   */
  loadPositions?(topic: string, partitions: number[]): Promise<Map<number, string>>;
  /** Called after each batch with the partition's remaining lag in records. */
  onLag?(topic: string, partition: number, lag: number): void;
  /** Called once when a handler returned `stop` or the consumer crashed for good. */
  onStop?(error: Error): void;
  /** Partitions handled at the same time; each partition's batches stay in order. */
  partitionsConcurrently?: number;
  /** Upper bound of bytes fetched per partition per request (batch size). */
  maxBytesPerPartition?: number;
  /** How long the broker may wait to fill a fetch, in ms (latency vs. batch size). */
  maxWaitTimeMs?: number;
  /**
   * Bytes the broker waits for (up to `maxWaitTimeMs`) before it answers a fetch. Default 1: answer
   * as soon as anything is there (lowest latency). A consumer that may lag (a safety net, not a live
   * view) sets more, so it handles fewer, larger batches.
   */
  minBytes?: number;
  /**
   * The offsets committed to Kafka are for monitoring only (the service's own store decides where
   * it reads), so they are sent at most this often per consumer, in one request, instead of one
   * request per batch. Default 1,000 ms.
   */
  monitoringCommitIntervalMs?: number;
  sessionTimeoutMs?: number;
}

export interface RunningConsumer {
  /** Leaves the group after the batch in hand is finished. */
  stop(): Promise<void>;
  /** True once the consumer has joined its group and until it stops. */
  isReady(): boolean;
}

function toHeaders(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  // for..in: one call per consumed record, and the pairs array of Object.entries was pure garbage.
  for (const name in headers) {
    if (!Object.hasOwn(headers, name)) continue;
    const value = headers[name];
    if (value === undefined) continue;
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) out[name] = first.toString();
  }
  return out;
}

/** Attempts to load the stored positions at a join before the consumer gives up (about 11 s). */
const LOAD_POSITIONS_ATTEMPTS = 6;

export async function runConsumer(client: KafkaClient, options: ConsumerOptions): Promise<RunningConsumer> {
  const consumer: Consumer = client.kafka.consumer({
    groupId: options.groupId,
    sessionTimeout: options.sessionTimeoutMs ?? 30_000,
    heartbeatInterval: 3_000,
    maxBytesPerPartition: options.maxBytesPerPartition ?? 1024 * 1024,
    maxWaitTimeInMs: options.maxWaitTimeMs ?? 100,
    minBytes: options.minBytes ?? 1,
    allowAutoTopicCreation: false,
    retry: {
      initialRetryTime: client.settings.retry?.initialRetryTimeMs ?? 300,
      maxRetryTime: client.settings.retry?.maxRetryTimeMs ?? 30_000,
      retries: client.settings.retry?.retries ?? 8,
    },
  });
  let ready = false;
  let stopped = false;

  // Monitoring commits: the newest position per partition, sent together by a timer.
  const toCommit = new Map<string, { topic: string; partition: number; offset: string }>();
  let commitTimer: NodeJS.Timeout | undefined;
  const commitPending = async () => {
    commitTimer = undefined;
    if (toCommit.size === 0) return;
    const offsets = [...toCommit.values()];
    toCommit.clear();
    try {
      await consumer.commitOffsets(offsets);
    } catch {
      // A rebalance can make this commit fail; the next round commits again.
    }
  };
  // The highest offset scheduled per partition: a pipelined handler's `stored` promises may
  // resolve out of order, and a commit never moves back.
  const scheduled = new Map<string, bigint>();
  const scheduleCommit = (topic: string, partition: number, offset: string) => {
    if (stopped) return;
    const key = `${topic}:${partition}`;
    if ((scheduled.get(key) ?? -1n) >= BigInt(offset)) return;
    scheduled.set(key, BigInt(offset));
    toCommit.set(key, { topic, partition, offset });
    commitTimer ??= setTimeout(() => void commitPending(), options.monitoringCommitIntervalMs ?? 1_000);
  };
  const stopCommits = async () => {
    if (commitTimer) clearTimeout(commitTimer);
    await commitPending();
  };

  /**
   * The stored positions, retried with backoff: a database hiccup at the moment of a join (a
   * connection cut, a failover) must not end the consumer for good. Batches fetched meanwhile wait
   * for the positions ({@link startsWhereItMust}), so waiting here loses and repeats nothing.
   */
  const loadPositionsRetried = async (topic: string, partitions: number[]) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await options.loadPositions?.(topic, partitions);
      } catch (error) {
        if (attempt + 1 >= LOAD_POSITIONS_ATTEMPTS || stopped) throw error;
        await new Promise((r) => setTimeout(r, Math.min(4_000, 250 * 2 ** attempt)));
      }
    }
  };

  /**
   * Where each assigned partition must start, until its first batch proved it does. kafkajs begins
   * fetching as soon as it joins, from Kafka's committed offsets, and those are only a monitoring
   * hint: a service that acknowledges a batch before storing it (the projection queues batches) and
   * then dies leaves them ahead of its stored positions. A batch from past the stored position was
   * once applied and moved the position over everything between (events lost under a position);
   * now such a batch is never handed in, the partition is sought back to where it must start.
   */
  const mustStart = new Map<string, bigint>();
  /** Partitions sought back and not yet read since: their next batch is taken as it comes. */
  const soughtBack = new Set<string>();
  /** The latest join's stored positions, loaded (and the seeks made) once it settles. */
  let joined: Promise<void> = Promise.resolve();

  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    ready = true;
    if (!options.loadPositions) return;
    const assignment = event.payload.memberAssignment;
    mustStart.clear();
    soughtBack.clear();
    joined = (async () => {
      for (const [topic, partitions] of Object.entries(assignment)) {
        const positions = await loadPositionsRetried(topic, partitions);
        for (const partition of partitions) {
          const stored = positions?.get(partition);
          if (stored !== undefined) consumer.seek({ topic, partition, offset: stored });
          // Without a stored position a partition starts at the beginning, if that is the rule.
          const start = stored ?? (options.fromBeginning === false ? undefined : '0');
          if (start !== undefined) mustStart.set(`${topic}:${partition}`, BigInt(start));
        }
      }
    })();
    joined.catch((error: unknown) => {
      options.onStop?.(error instanceof Error ? error : new Error(String(error)));
    });
  });

  /**
   * False when the batch in hand must not be handed in: it starts past the partition's stored
   * position (read from Kafka's committed offset before the seek), so the partition is sought back.
   * A batch at or before the position goes in (the service skips what it applied before); after a
   * seek back the next batch goes in as it comes, e.g. from the log's start when retention removed
   * the records at the position.
   */
  const startsWhereItMust = async (topic: string, partition: number, first: string): Promise<boolean> => {
    if (!options.loadPositions) return true;
    await joined.catch(() => undefined);
    const key = `${topic}:${partition}`;
    const start = mustStart.get(key);
    if (start === undefined) return true;
    if (soughtBack.has(key) || BigInt(first) <= start) {
      mustStart.delete(key);
      soughtBack.delete(key);
      return true;
    }
    soughtBack.add(key);
    consumer.seek({ topic, partition, offset: start.toString() });
    return false;
  };

  consumer.on(consumer.events.CRASH, (event) => {
    // kafkajs restarts by itself on retriable crashes; only a final one ends the consumer.
    if (!event.payload.restart) {
      ready = false;
      options.onStop?.(event.payload.error);
    }
  });

  await consumer.connect();
  await consumer.subscribe({ topics: options.topics, fromBeginning: options.fromBeginning ?? true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: options.partitionsConcurrently ?? 1,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      if (!isRunning() || isStale() || batch.messages.length === 0) return;
      const first = (batch.messages[0] as { offset: string }).offset;
      if (!(await startsWhereItMust(batch.topic, batch.partition, first)) || isStale()) return;
      const records: ConsumedRecord[] = [];
      for (const m of batch.messages) {
        if (m.headers === SKIPPED_HEADERS) continue;
        records.push({
          topic: batch.topic,
          partition: batch.partition,
          offset: m.offset,
          key: m.key ? m.key.toString() : null,
          value: m.value,
          headers: toHeaders(m.headers),
          timestampMs: Number(m.timestamp),
        });
      }
      const last = batch.lastOffset();
      const outcome = await options.handleBatch({
        topic: batch.topic,
        partition: batch.partition,
        records,
        highWatermark: batch.highWatermark,
        lastOffset: last,
        fetched: batch.messages.length,
      });
      if (outcome.type === 'stop') {
        if (!stopped) {
          stopped = true;
          ready = false;
          options.onStop?.(outcome.error);
          // Not awaited: stopping from inside eachBatch would wait for this very batch.
          setImmediate(() => {
            if (commitTimer) clearTimeout(commitTimer);
            void consumer.disconnect();
          });
        }
        return;
      }
      resolveOffset(last);
      options.onLag?.(batch.topic, batch.partition, Number(batch.offsetLag()));
      // For monitoring and as a starting hint only; the service's own store is authoritative.
      const next = (BigInt(last) + 1n).toString();
      if (outcome.stored) {
        // Never stored (the handler failed for good): nothing is committed for it.
        outcome.stored.then(
          () => scheduleCommit(batch.topic, batch.partition, next),
          () => undefined,
        );
      } else scheduleCommit(batch.topic, batch.partition, next);
      await heartbeat();
    },
  });

  return {
    isReady: () => ready && !stopped,
    async stop() {
      if (stopped) {
        if (commitTimer) clearTimeout(commitTimer);
        await consumer.disconnect().catch(() => undefined);
        return;
      }
      stopped = true;
      ready = false;
      await stopCommits();
      await consumer.disconnect();
    },
  };
}
