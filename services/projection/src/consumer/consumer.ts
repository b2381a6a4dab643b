import type { EvolveContext } from '@ketenhub/case-model';
import { loadPositions, withConnection } from '@ketenhub/db';
import {
  ack,
  type ConsumedRecord,
  type KafkaClient,
  type RecordBatch,
  type RunningConsumer,
  runConsumer,
} from '@ketenhub/kafka';
import type { Logger, Metrics } from '@ketenhub/service';
import { type ProjectionDb, typed, untyped } from '../database';
import type { VersionInfo } from '../versions/versions';
import { type BatchResult, projectBatches } from './projector';

export interface ProjectionConsumerOptions {
  client: KafkaClient;
  db: ProjectionDb;
  version: VersionInfo;
  topics: string[];
  ctx: EvolveContext;
  logger: Logger;
  metrics?: Metrics;
  notify?: () => boolean;
  /** Partition batches handed in at the same time; those waiting together share a transaction. */
  partitionsConcurrently?: number;
  maxBytesPerPartition?: number;
  sessionTimeoutMs?: number;
  /**
   * Transactions in flight at once (default 4). With several, PostgreSQL works on one while Node
   * parses the next; measured at 1M events on 2 cores: 4 x 2,500 records gave 26.7k events/s,
   * 2 x 20,000 gave 16.9k.
   */
  transactions?: number;
  /** Most records per transaction (whole batches; a larger single batch still goes alone). */
  maxRecordsPerTransaction?: number;
  /** Batches from this many new events on load the timeline with COPY (projector.ts; tests lower it). */
  copyMinRecords?: number;
  /**
   * Records acknowledged to kafkajs but not yet committed, at most (default: four rounds of
   * transactions). More lets the fetcher run further ahead; memory grows with it.
   */
  maxQueuedRecords?: number;
  /** Called after every applied batch (progress bars, tests). */
  onBatch?(info: { topic: string; partition: number; nextOffset: string; highWatermark: string }): void;
  onStop?(error: Error): void;
}

/**
 * The case-event topics the projection consumes, by domain, under a deployment's topic prefix. The
 * service, the rebuild CLI and the test harness name them here, so they cannot drift apart.
 */
export function projectedTopics(prefix: string): { wmo: string; omgevingswet: string } {
  return { wmo: `${prefix}wmo`, omgevingswet: `${prefix}omgevingswet` };
}

interface Queued {
  batch: RecordBatch;
  /** `topic:partition`: a partition has at most one batch in a transaction at a time. */
  key: string;
  /** Resolves the batch's `stored` (the adapter's monitoring commit waits for it). */
  stored: () => void;
}

/** How long a failed transaction waits before it is tried again, by attempt (ms). */
const retryDelay = (attempt: number) => Math.min(30_000, 500 * 2 ** attempt);
/** Consecutive failures of one transaction after which the consumer gives up (and turns unready). */
const MAX_ATTEMPTS = 8;

/**
 * Consumes the domain topics into one projection version. Positions live in the version's
 * schema next to its effects; Kafka's committed offsets are only for monitoring.
 *
 * Group commit: every partition batch of a fetch is handed in at once (partitionsConcurrently), and
 * the batches waiting at that moment are projected in one transaction. A live event then waits for
 * one commit instead of one per partition ahead of it, and catch-up pays one commit per fetch.
 *
 * Pipelined: a batch is acknowledged to kafkajs once it is queued here, not once it is committed.
 * kafkajs fetches again only after every batch of a fetch was acknowledged, so waiting for the
 * commits left the projector idle during each fetch and the fetcher idle during each commit. This
 * stays exactly-once because PostgreSQL, not kafkajs, holds the positions:
 * - a partition's batches go into transactions one after another, never two at once;
 * - a failed transaction is retried here (with backoff) until it commits, and the batches of its
 *   partitions wait for it; after MAX_ATTEMPTS the consumer stops and reports (the queue is
 *   dropped, and a restarted consumer seeks to the stored positions);
 * - what is queued when the process dies was never committed, so it is read again.
 * The queue is bounded (`maxQueuedRecords`): a full queue holds the next acknowledgement back.
 */
export function startProjectionConsumer(o: ProjectionConsumerOptions): Promise<RunningConsumer> {
  const { version } = o;
  const maxRecords = o.maxRecordsPerTransaction ?? 2_500;
  const maxInFlight = o.transactions ?? 4;
  const maxQueuedRecords = o.maxQueuedRecords ?? maxRecords * maxInFlight * 4;
  const queue: Queued[] = [];
  /** Partitions with a batch in a transaction right now. */
  const busy = new Set<string>();
  let queuedRecords = 0;
  let inFlight = 0;
  let scheduled = false;
  let failed: Error | undefined;
  let stopping = false;
  /** Waiters for room in the queue, and for it to drain (stop). */
  let wake: (() => void)[] = [];
  const notifyWaiters = () => {
    const w = wake;
    wake = [];
    for (const f of w) f();
  };

  const record = (batches: readonly RecordBatch[], result: BatchResult | undefined) => {
    if (!o.metrics || !result) return;
    for (const [topic, c] of result.byTopic) {
      const labels = { group: version.groupId, topic };
      if (c.applied > 0) o.metrics.eventsConsumed.inc({ ...labels, outcome: 'applied' }, c.applied);
      if (c.duplicates > 0) o.metrics.eventsConsumed.inc({ ...labels, outcome: 'duplicate' }, c.duplicates);
      if (c.rejected > 0) o.metrics.eventsConsumed.inc({ ...labels, outcome: 'rejected' }, c.rejected);
    }
    if (result.rejected > 0) {
      // Offsets only: rejected values can hold personal data and stay in the rejected table.
      o.logger.warn(
        { partitions: batches.map((b) => `${b.topic}:${b.partition}`), rejected: result.rejected },
        'records rejected',
      );
    }
  };

  const committed = (group: Queued[], perBatch: { applied: number; skipped: number }[]) => {
    for (const [i, q] of group.entries()) {
      q.stored();
      const skipped = perBatch[i]?.skipped ?? 0;
      if (o.metrics && skipped > 0) {
        o.metrics.eventsConsumed.inc(
          { group: version.groupId, topic: q.batch.topic, outcome: 'already-applied' },
          skipped,
        );
      }
      const last: ConsumedRecord | undefined = q.batch.records[q.batch.records.length - 1];
      if (last) {
        const next = BigInt(last.offset) + 1n;
        // Lag from what is committed, not from what kafkajs has fetched (queued records count).
        o.metrics?.consumerLag.set(
          { group: version.groupId, topic: q.batch.topic, partition: String(q.batch.partition) },
          Number(BigInt(q.batch.highWatermark) - next),
        );
        o.onBatch?.({
          topic: q.batch.topic,
          partition: q.batch.partition,
          nextOffset: next.toString(),
          highWatermark: q.batch.highWatermark,
        });
      }
    }
  };

  const flush = async (group: Queued[]) => {
    for (let attempt = 0; ; attempt++) {
      if (failed) return;
      try {
        // One connection for the whole transaction, whose raw client can COPY (see projector.ts).
        const { perBatch, result } = await withConnection(untyped(o.db), (db, client) =>
          projectBatches(
            {
              db: typed(db),
              client,
              schema: version.schema,
              group: version.groupId,
              ctx: o.ctx,
              notify: o.notify,
              ...(o.copyMinRecords !== undefined ? { copyMinRecords: o.copyMinRecords } : {}),
            },
            group.map((q) => ({
              topic: q.batch.topic,
              partition: q.batch.partition,
              records: q.batch.records,
            })),
          ),
        );
        record(
          group.map((q) => q.batch),
          result,
        );
        committed(group, perBatch);
        return;
      } catch (error) {
        const err = error instanceof Error ? error : new Error(String(error));
        if (attempt + 1 >= MAX_ATTEMPTS || stopping) {
          if (!stopping) fail(err);
          return;
        }
        o.logger.warn(
          { err, attempt: attempt + 1, partitions: group.map((q) => q.key) },
          'projector transaction failed; retrying',
        );
        await new Promise((r) => setTimeout(r, retryDelay(attempt)));
      }
    }
  };

  const fail = (error: Error) => {
    failed = error;
    queue.length = 0;
    queuedRecords = 0;
    notifyWaiters();
    o.logger.error({ err: error, group: version.groupId }, 'projection consumer stopped');
    o.onStop?.(error);
    void running.then((c) => c.stop()).catch(() => undefined);
  };

  /**
   * The next transaction: queued batches in order, up to maxRecords (at least one batch), skipping
   * partitions that are in a transaction now. A partition's later batch never overtakes its
   * earlier one: its batches are skipped together while it is busy, and the scan stops at the
   * first batch that does not fit.
   */
  const take = (): Queued[] => {
    const group: Queued[] = [];
    let records = 0;
    for (let i = 0; i < queue.length; ) {
      const q = queue[i] as Queued;
      if (busy.has(q.key)) {
        i++;
        continue;
      }
      const size = q.batch.records.length;
      if (group.length > 0 && records + size > maxRecords) break;
      group.push(q);
      records += size;
      queue.splice(i, 1);
    }
    return group;
  };

  const schedule = () => {
    if (scheduled || queue.length === 0 || inFlight >= maxInFlight || failed) return;
    scheduled = true;
    // setImmediate: the batches kafkajs hands in for the same fetch all join this transaction.
    setImmediate(() => {
      scheduled = false;
      while (queue.length > 0 && inFlight < maxInFlight && !failed) {
        const group = take();
        if (group.length === 0) break;
        const keys = [...new Set(group.map((q) => q.key))];
        for (const k of keys) busy.add(k);
        const size = group.reduce((n, q) => n + q.batch.records.length, 0);
        inFlight++;
        void flush(group).finally(() => {
          inFlight--;
          for (const k of keys) busy.delete(k);
          queuedRecords = Math.max(0, queuedRecords - size);
          notifyWaiters();
          schedule();
        });
      }
    });
  };

  /**
   * Queues a batch; resolves once there is room for more (not once it is committed), with
   * `stored`, which resolves once it is committed (never, if the consumer fails first).
   */
  const enqueue = async (batch: RecordBatch): Promise<{ stored: Promise<void> }> => {
    if (failed) throw failed;
    let resolveStored: () => void = () => undefined;
    const stored = new Promise<void>((r) => {
      resolveStored = r;
    });
    queue.push({ batch, key: `${batch.topic}:${batch.partition}`, stored: resolveStored });
    queuedRecords += batch.records.length;
    schedule();
    while (queuedRecords > maxQueuedRecords && !failed) {
      await new Promise<void>((r) => wake.push(r));
    }
    if (failed) throw failed;
    return { stored };
  };

  /** Waits until everything queued is committed (graceful stop), up to `timeoutMs`. */
  const drain = async (timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while ((queue.length > 0 || inFlight > 0) && !failed && Date.now() < deadline) {
      await Promise.race([
        new Promise<void>((r) => wake.push(r)),
        new Promise((r) => setTimeout(r, Math.max(1, deadline - Date.now()))),
      ]);
    }
  };

  const running: Promise<RunningConsumer> = runConsumer(o.client, {
    groupId: version.groupId,
    topics: o.topics,
    fromBeginning: true,
    partitionsConcurrently: o.partitionsConcurrently ?? 16,
    maxBytesPerPartition: o.maxBytesPerPartition ?? 2 * 1024 * 1024,
    ...(o.sessionTimeoutMs ? { sessionTimeoutMs: o.sessionTimeoutMs } : {}),
    loadPositions: async (topic, partitions) => {
      const all = await loadPositions(untyped(o.db), version.schema, version.groupId, topic);
      return new Map([...all].filter(([p]) => partitions.includes(p)));
    },
    handleBatch: async (batch) => {
      const { stored } = await enqueue(batch);
      return ack(stored);
    },
    onStop: (error) => {
      if (failed) return;
      failed = error;
      o.logger.error({ err: error, group: version.groupId }, 'projection consumer stopped');
      o.onStop?.(error);
    },
  });
  return running.then((consumer) => ({
    isReady: () => consumer.isReady() && !failed,
    async stop() {
      // Stop fetching first, then let the queued batches commit: less to read again next time.
      await consumer.stop();
      await drain(10_000);
      stopping = true;
    },
  }));
}
