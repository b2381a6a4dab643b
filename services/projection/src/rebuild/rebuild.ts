import type { EvolveContext } from '@ketenhub/case-model';
import { loadPositions } from '@ketenhub/db';
import { deleteConsumerGroup, type KafkaClient, topicOffsets } from '@ketenhub/kafka';
import type { Logger } from '@ketenhub/service';
import type { Kysely } from 'kysely';
import { startProjectionConsumer } from '../consumer/consumer';
import { typed } from '../database';
import { projectionChecksum } from '../versions/checksum';
import {
  activateVersion,
  activeVersion,
  createVersion,
  dropVersion,
  listVersions,
  type VersionInfo,
} from '../versions/versions';

/**
 * Rebuild without downtime (issue 5 item 7): a new version schema and consumer group read the
 * topics from the start while the active version keeps serving; once the new version has caught
 * up with the end of every partition, reads switch to it in one transaction (view swap) and the
 * running instances move their consumers to the new group (versions NOTIFY). Optionally the
 * replaced versions are dropped.
 */

export interface RebuildProgress {
  done: number;
  total: number;
  /** Records still to read as of the latest end offsets. */
  lag: number;
}

export interface RebuildOptions {
  db: Kysely<unknown>;
  kafka: KafkaClient;
  schema: string;
  groupBase: string;
  topics: string[];
  ctx: EvolveContext;
  logger: Logger;
  dropOld: boolean;
  /** Switch reads once caught up (default); false leaves the new version in `bouwen`. */
  activate?: boolean;
  partitionsConcurrently?: number;
  maxBytesPerPartition?: number;
  sessionTimeoutMs?: number;
  pollMs?: number;
  /** How long to wait for a dropped version's consumer group to empty before leaving it (default 60 s). */
  groupDeleteTimeoutMs?: number;
  /** Switch when the remaining lag is at most this many records (0: fully caught up). */
  maxLagToSwitch?: number;
  onProgress?(p: RebuildProgress): void;
}

export interface RebuildResult {
  version: VersionInfo;
  previous: VersionInfo | null;
  dropped: number[];
  /** Consumer groups of dropped versions that still had members at the end (deleted otherwise). */
  groupsLeft: string[];
  events: number;
  cases: number;
  checksum: string;
  seconds: number;
}

async function progress(o: RebuildOptions, version: VersionInfo): Promise<RebuildProgress> {
  let done = 0;
  let total = 0;
  let lag = 0;
  for (const topic of o.topics) {
    const [offsets, positions] = await Promise.all([
      topicOffsets(o.kafka, topic),
      loadPositions(o.db, version.schema, version.groupId, topic),
    ]);
    for (const p of offsets) {
      const low = BigInt(p.low);
      const high = BigInt(p.high);
      const pos = BigInt(positions.get(p.partition) ?? p.low);
      const at = pos < low ? low : pos;
      total += Number(high - low);
      done += Number(at - low);
      lag += Number(high - at);
    }
  }
  return { done, total, lag };
}

export async function rebuild(o: RebuildOptions): Promise<RebuildResult> {
  const started = Date.now();
  const previous = await activeVersion(o.db, o.schema);
  const version = await createVersion(o.db, o.schema, o.groupBase);
  o.logger.info(
    { version: version.versie, schema: version.schema, group: version.groupId },
    'rebuilding projection version',
  );
  let switched = false;
  const consumer = await startProjectionConsumer({
    client: o.kafka,
    db: typed(o.db),
    version,
    topics: o.topics,
    ctx: o.ctx,
    logger: o.logger,
    // Nobody reads this version yet: no NOTIFY traffic for SSE until it serves.
    notify: () => switched,
    partitionsConcurrently: o.partitionsConcurrently ?? 16,
    maxBytesPerPartition: o.maxBytesPerPartition ?? 4 * 1024 * 1024,
    ...(o.sessionTimeoutMs ? { sessionTimeoutMs: o.sessionTimeoutMs } : {}),
  });
  try {
    for (;;) {
      const p = await progress(o, version);
      o.onProgress?.(p);
      if (p.lag <= (o.maxLagToSwitch ?? 0)) break;
      await new Promise((r) => setTimeout(r, o.pollMs ?? 500));
    }
    if (o.activate ?? true) {
      switched = true;
      await activateVersion(o.db, o.schema, version.versie);
      o.logger.info({ version: version.versie }, 'reads switched to the rebuilt version');
    }
  } finally {
    // The running instances take the group over from the stored positions (no gap, no repeat).
    await consumer.stop();
  }
  const dropped: number[] = [];
  const groupsLeft: string[] = [];
  if (o.dropOld && (o.activate ?? true)) {
    for (const v of await listVersions(o.db, o.schema)) {
      if (v.status === 'oud') {
        await dropVersion(o.db, o.schema, v.versie);
        dropped.push(v.versie);
        // The running instances leave the old group once they see the switch (NOTIFY, or their
        // next version poll); until then it is not empty and cannot be deleted.
        const outcome = await deleteConsumerGroup(o.kafka, v.groupId, {
          timeoutMs: o.groupDeleteTimeoutMs ?? 60_000,
        });
        if (outcome === 'busy') {
          groupsLeft.push(v.groupId);
          o.logger.warn(
            { group: v.groupId },
            'old consumer group still has members; delete it later (kafka-consumer-groups --delete)',
          );
        }
      }
    }
  }
  const sum = await projectionChecksum(o.db, version.schema);
  return {
    version: { ...version, status: (o.activate ?? true) ? 'actief' : 'bouwen' },
    previous,
    dropped,
    groupsLeft,
    events: sum.events,
    cases: sum.cases,
    checksum: sum.checksum,
    seconds: (Date.now() - started) / 1000,
  };
}
