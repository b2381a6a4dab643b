import type { KafkaClient } from './client';
import { ack, type RunningConsumer, runConsumer } from './consumer';
import { topicOffsets } from './topics';

/**
 * Follows a compacted state topic (the registry's systems or subscriptions): every record from the
 * beginning, then whatever comes. Each follower is a group of its own with no stored positions:
 * such a topic is small, every instance needs all of it, and it is simply re-read on each start.
 */
export interface StateTopicFollower {
  /** True once every record that existed at start has been applied. */
  isCaughtUp(): boolean;
  /**
   * When everything was last known to be applied (ms since epoch): the start time once caught up,
   * moved on by every {@link catchUp}. 0 until caught up.
   */
  caughtUpAsOf(): number;
  /**
   * Waits until every record in the topic now has been applied; rejects after `timeoutMs`. Calls
   * overlapping in time share one look at the end offsets.
   */
  catchUp(timeoutMs: number): Promise<void>;
  waitUntilCaughtUp(timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

export async function followStateTopic<T>(options: {
  kafka: KafkaClient;
  topic: string;
  groupId: string;
  /** The record's value parsed as JSON, checked; undefined when it has an unknown shape. */
  read(value: unknown): T | undefined;
  /** Applies one state record; a record counts as read only once this resolved. */
  apply(record: T): void | Promise<void>;
  /** Records that could not be read (offsets only: they are skipped). */
  onUnreadable(offset: string): void;
}): Promise<StateTopicFollower> {
  const reached = new Map<number, bigint>();
  const reachedAll = (ends: { partition: number; high: string }[]) =>
    ends.every((o) => (reached.get(o.partition) ?? 0n) >= BigInt(o.high));
  const startEnds = await topicOffsets(options.kafka, options.topic);
  const startedAt = Date.now();
  let caughtUpAsOf = 0;
  const check = () => {
    if (caughtUpAsOf === 0 && reachedAll(startEnds)) caughtUpAsOf = startedAt;
    return caughtUpAsOf > 0;
  };
  check();

  const consumer: RunningConsumer = await runConsumer(options.kafka, {
    groupId: options.groupId,
    topics: [options.topic],
    fromBeginning: true,
    handleBatch: async (batch) => {
      for (const record of batch.records) {
        // A tombstone has nothing to apply (the registry revokes instead of deleting).
        if (record.value) {
          let parsed: T | undefined;
          try {
            parsed = options.read(JSON.parse(record.value.toString('utf8')));
          } catch {
            parsed = undefined;
          }
          if (parsed === undefined) options.onUnreadable(record.offset);
          else await options.apply(parsed);
        }
        reached.set(batch.partition, BigInt(record.offset) + 1n);
      }
      check();
      return ack();
    },
  });

  let catching: Promise<void> | undefined;
  const catchUp = (timeoutMs: number) => {
    catching ??= (async () => {
      try {
        const lookedAt = Date.now();
        const ends = await topicOffsets(options.kafka, options.topic);
        const deadline = Date.now() + timeoutMs;
        while (!reachedAll(ends)) {
          if (Date.now() > deadline)
            throw new Error(`${options.topic} not read up to its end in ${timeoutMs} ms`);
          await new Promise((r) => setTimeout(r, 5));
        }
        check();
        caughtUpAsOf = Math.max(caughtUpAsOf, lookedAt);
      } finally {
        catching = undefined;
      }
    })();
    return catching;
  };

  return {
    isCaughtUp: check,
    caughtUpAsOf: () => caughtUpAsOf,
    catchUp,
    async waitUntilCaughtUp(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`${options.topic} not caught up within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    stop: () => consumer.stop(),
  };
}
