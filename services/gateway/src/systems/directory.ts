import { createHash } from 'node:crypto';
import {
  ack,
  type KafkaClient,
  type RecordBatch,
  type RunningConsumer,
  runConsumer,
  topicOffsets,
} from '@ketenhub/kafka';
import type { Logger } from '@ketenhub/service';
import { type KnownSystem, type SystemRecord, systemRecordSchema, toKnownSystem } from './system-record';

export type DirectoryListener = (system: KnownSystem, previous: KnownSystem | undefined) => void;

/**
 * The gateway's in-memory view of registered systems, keyed by id and by token hash. Fed by the
 * registry's compacted state topic (see {@link startDirectoryConsumer}); tests feed it directly.
 */
export class SystemDirectory {
  private readonly byId = new Map<string, KnownSystem>();
  private readonly byTokenHash = new Map<string, KnownSystem>();
  private readonly listeners: DirectoryListener[] = [];

  /** Applies one state record (the newest state of that system wins). */
  apply(record: SystemRecord): void {
    const next = toKnownSystem(record);
    const previous = this.byId.get(next.id);
    if (previous?.tokenSha256) this.byTokenHash.delete(previous.tokenSha256);
    this.byId.set(next.id, next);
    if (next.tokenSha256 && !next.revoked) this.byTokenHash.set(next.tokenSha256, next);
    for (const listener of this.listeners) listener(next, previous);
  }

  /** The active system holding this bearer token, if any. */
  byToken(token: string): KnownSystem | undefined {
    return this.byTokenHash.get(createHash('sha256').update(token, 'utf8').digest('hex'));
  }

  get(id: string): KnownSystem | undefined {
    return this.byId.get(id);
  }

  all(): KnownSystem[] {
    return [...this.byId.values()];
  }

  private catchUp: ((timeoutMs: number) => Promise<void>) | undefined;

  /** Set by the consumer: lets a lookup miss wait for records written just now. */
  setCatchUp(fn: (timeoutMs: number) => Promise<void>): void {
    this.catchUp = fn;
  }

  /**
   * Like {@link byToken}, but on a miss first reads the state topic up to its current end: the
   * registry answers 201 only once the new system's record is in Kafka, so a system that publishes
   * right after registering is found. Misses (wrong tokens) share one end-offset lookup at a time,
   * so a flood of bad tokens costs one admin request per round, not one each.
   */
  async byTokenFresh(token: string, timeoutMs = 2_000): Promise<KnownSystem | undefined> {
    const found = this.byToken(token);
    if (found || !this.catchUp) return found;
    await this.catchUp(timeoutMs).catch(() => undefined);
    return this.byToken(token);
  }

  /** Called for every applied record; the ingress feature starts and stops consumers with it. */
  onChange(listener: DirectoryListener): void {
    this.listeners.push(listener);
  }
}

export interface DirectoryConsumer {
  /** True once every record that existed at start has been applied. */
  isCaughtUp(): boolean;
  /**
   * Waits until every record in the topic now has been applied (bounded by `timeoutMs`). Calls
   * overlapping in time share one look at the end offsets.
   */
  catchUp(timeoutMs: number): Promise<void>;
  waitUntilCaughtUp(timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Reads the whole state topic from the beginning into `directory`, then keeps following it.
 *
 * Every gateway instance needs every record, so each instance uses its own consumer group (a fresh
 * name per start) and no stored positions: the compacted topic is small and is simply re-read on
 * each start. Readiness waits until the end offset seen at start is reached, so an instance never
 * answers 401 to a registered system just because it has not read far enough yet.
 */
export async function startDirectoryConsumer(options: {
  kafka: KafkaClient;
  topic: string;
  directory: SystemDirectory;
  logger: Logger;
  groupPrefix: string;
}): Promise<DirectoryConsumer> {
  const { directory, logger } = options;
  const ends = await topicOffsets(options.kafka, options.topic);
  const target = new Map(ends.map((o) => [o.partition, BigInt(o.high)]));
  const reached = new Map<number, bigint>(ends.map((o) => [o.partition, BigInt(o.low)]));
  let caughtUp = false;
  const check = () => {
    if (caughtUp) return true;
    caughtUp = [...target].every(([p, high]) => (reached.get(p) ?? 0n) >= high);
    return caughtUp;
  };
  check();

  const consumer: RunningConsumer = await runConsumer(options.kafka, {
    groupId: `${options.groupPrefix}gateway-systems-${process.pid}-${Date.now().toString(36)}`,
    topics: [options.topic],
    fromBeginning: true,
    handleBatch: async (batch: RecordBatch) => {
      for (const record of batch.records) {
        reached.set(batch.partition, BigInt(record.offset) + 1n);
        if (!record.value) continue; // a tombstone: nothing to apply (the registry revokes instead of deleting)
        let parsed: ReturnType<typeof systemRecordSchema.safeParse>;
        try {
          parsed = systemRecordSchema.safeParse(JSON.parse(record.value.toString('utf8')));
        } catch {
          logger.warn({ offset: record.offset }, 'system state record is not JSON; skipped');
          continue;
        }
        if (!parsed.success) {
          logger.warn({ offset: record.offset }, 'system state record of an unknown shape; skipped');
          continue;
        }
        directory.apply(parsed.data);
      }
      check();
      return ack();
    },
  });

  let catching: Promise<void> | undefined;
  const catchUp = (timeoutMs: number) => {
    catching ??= (async () => {
      try {
        const now = await topicOffsets(options.kafka, options.topic);
        const deadline = Date.now() + timeoutMs;
        const reachedAll = () => now.every((o) => (reached.get(o.partition) ?? 0n) >= BigInt(o.high));
        while (!reachedAll() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      } finally {
        catching = undefined;
      }
    })();
    return catching;
  };
  directory.setCatchUp(catchUp);

  return {
    isCaughtUp: check,
    catchUp,
    async waitUntilCaughtUp(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`systems directory not caught up within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    stop: () => consumer.stop(),
  };
}
