import { createHash } from 'node:crypto';
import { followStateTopic, type KafkaClient, type StateTopicFollower } from '@ketenhub/kafka';
import type { Logger } from '@ketenhub/service';
import { type KnownSystem, type SystemRecord, systemRecordSchema, toKnownSystem } from './system-record';

export type DirectoryListener = (system: KnownSystem, previous: KnownSystem | undefined) => void;

/**
 * An in-memory view of registered systems, keyed by id, by token hash and by OIN and
 * name. Fed by the registry's compacted state topic (see {@link startDirectoryConsumer}); tests
 * feed it directly.
 */
export class SystemDirectory {
  private readonly byId = new Map<string, KnownSystem>();
  private readonly byTokenHash = new Map<string, KnownSystem>();
  /** `<oin> <name>`: a system added to a chain case is named so (deelnemer-aangesloten). */
  private readonly byOinName = new Map<string, KnownSystem>();
  private readonly listeners: DirectoryListener[] = [];

  /** Applies one state record (the newest state of that system wins). */
  apply(record: SystemRecord): void {
    const next = toKnownSystem(record);
    const previous = this.byId.get(next.id);
    if (previous?.tokenSha256) this.byTokenHash.delete(previous.tokenSha256);
    this.byId.set(next.id, next);
    // The registry keeps a name unique per OIN, also after revocation: the newest record is it.
    this.byOinName.set(`${next.oin} ${next.name}`, next);
    if (next.tokenSha256 && !next.revoked) this.byTokenHash.set(next.tokenSha256, next);
    for (const listener of this.listeners) listener(next, previous);
  }

  /** The active system holding this bearer token, if any. */
  byToken(token: string): KnownSystem | undefined {
    return this.byTokenHash.get(createHash('sha256').update(token, 'utf8').digest('hex'));
  }

  /** The system `name` of organisation `oin`, revoked or not, if the registry published it. */
  byName(oin: string, name: string): KnownSystem | undefined {
    return this.byOinName.get(`${oin} ${name}`);
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

  /**
   * Reads the state topic up to its current end (a no-op without a consumer): before a lookup
   * miss decides a refusal, as {@link byTokenFresh} does for tokens.
   */
  async catchUpNow(timeoutMs = 2_000): Promise<void> {
    await this.catchUp?.(timeoutMs).catch(() => undefined);
  }

  /** Called for every applied record; the ingress feature starts and stops consumers with it. */
  onChange(listener: DirectoryListener): void {
    this.listeners.push(listener);
  }
}

export type DirectoryConsumer = StateTopicFollower;

/**
 * Reads the whole state topic from the beginning into `directory`, then keeps following it.
 *
 * Every instance needs every record, so each instance uses its own consumer group (a fresh
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
  const follower = await followStateTopic<SystemRecord>({
    kafka: options.kafka,
    topic: options.topic,
    groupId: `${options.groupPrefix}systems-${process.pid}-${Date.now().toString(36)}`,
    read: (value) => {
      const parsed = systemRecordSchema.safeParse(value);
      return parsed.success ? parsed.data : undefined;
    },
    apply: (record) => directory.apply(record),
    onUnreadable: (offset) => logger.warn({ offset }, 'system state record of an unknown shape; skipped'),
  });
  directory.setCatchUp(follower.catchUp);
  return follower;
}
