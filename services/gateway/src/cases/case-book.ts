import { type AccessContext, type AccessState, applyAccess, foldAccess } from '@ketenhub/access';
import type { Kysely } from 'kysely';
import type { GatewayDatabase } from '../db';
import { type AccessEntry, loadAccessStates, recordAccessEvents } from './case-access.repository';

export interface CaseBookOptions {
  ctx: AccessContext;
  /**
   * Whether change notices arrive now (the LISTEN connection is up). While they do not, nothing is
   * cached or read from the cache: a change made through another instance would go unnoticed.
   */
  live: () => boolean;
  /** Names this instance in its own notices, which it then ignores (see {@link CaseBook.noticed}). */
  origin: string;
  maxCached?: number;
}

/**
 * The access state of each chain case (the fold of its access events in log order), read through
 * a bounded in-memory cache of folded states. Most events change no state, so a request usually
 * costs no query. The cache is kept true by:
 * - the acceptor: an event it published is applied to the cached state once Kafka confirmed it,
 *   in confirmation order (the order of the case's partition);
 * - notices of other writers (another instance's acceptor, the cases consumer, which also records
 *   events that never passed a gateway): the case is dropped and folded anew on its next use;
 * - loads that such a change overtook (their rows may predate it) are not kept.
 * A refusal is not answered from the cache: ingest looks the case up again with `fresh` first.
 */
export class CaseBook {
  private readonly cache = new Map<string, AccessState>();
  /** Bumped by every change and every clear; a load keeps its result only if nothing moved since. */
  private generation = 0;
  private clearedAt = 0;
  /** Generation of the last change per case, kept only while loads run. */
  private readonly changedAt = new Map<string, number>();
  private loads = 0;

  constructor(
    private readonly db: Kysely<GatewayDatabase>,
    private readonly options: CaseBookOptions,
  ) {}

  /**
   * States by case id; `fresh` bypasses the cache for those ids. Cases without any access event
   * are absent from the map.
   */
  async lookup(ids: Iterable<string>, fresh = false): Promise<Map<string, AccessState>> {
    const found = new Map<string, AccessState>();
    const missing: string[] = [];
    const live = this.options.live();
    for (const id of new Set(ids)) {
      const hit = fresh || !live ? undefined : this.cache.get(id);
      if (hit) found.set(id, hit);
      else missing.push(id);
    }
    if (missing.length === 0) return found;
    const started = this.generation;
    this.loads++;
    try {
      const loaded = await loadAccessStates(this.db, missing, this.options.ctx);
      const keep = live && this.options.live() && this.clearedAt <= started;
      for (const [id, state] of loaded) {
        found.set(id, state);
        if (keep && (this.changedAt.get(id) ?? 0) <= started) this.remember(id, state);
      }
      return found;
    } finally {
      if (--this.loads === 0) this.changedAt.clear();
    }
  }

  /**
   * Called once Kafka confirmed these events (in confirmation order): applies them to the cached
   * states at once, then records them for every instance. The cache goes first because the events
   * are in the log already: a state without them would be the stale one.
   */
  async record(entries: readonly AccessEntry[]): Promise<void> {
    if (entries.length === 0) return;
    if (this.options.live()) this.learn(entries);
    await recordAccessEvents(this.db, entries, this.options.origin);
  }

  /** A notice (case-notices.ts): other writers changed these cases. */
  noticed(origin: string, ids: readonly string[]): void {
    if (origin === this.options.origin) return;
    this.forget(ids);
  }

  /** Drops cases from the cache; loads of them in flight are not kept. */
  forget(ids: Iterable<string>): void {
    for (const id of ids) {
      this.cache.delete(id);
      this.changed(id);
    }
  }

  /** Drops everything (the LISTEN connection was lost: notices may have been missed). */
  clear(): void {
    this.generation++;
    this.clearedAt = this.generation;
    this.cache.clear();
  }

  private learn(entries: readonly AccessEntry[]) {
    const { ctx } = this.options;
    for (const e of entries) {
      const cached = this.cache.get(e.caseId);
      this.changed(e.caseId);
      if (cached) {
        // A copy: a request may be deciding with the cached state right now.
        const next = structuredClone(cached);
        applyAccess(next, e.event, ctx);
        this.remember(e.caseId, next);
      } else if (e.event.type === 'nl.ketens.ketenzaak-geopend') {
        // A case just opened here is used right away (its first events follow the opening).
        this.remember(e.caseId, foldAccess([e.event], ctx).state);
      }
    }
  }

  private changed(id: string) {
    this.generation++;
    if (this.loads > 0) this.changedAt.set(id, this.generation);
  }

  private remember(id: string, state: AccessState) {
    this.cache.delete(id);
    this.cache.set(id, state);
    // Map keeps insertion order: the first key is the least recently stored one.
    if (this.cache.size > (this.options.maxCached ?? 100_000)) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
  }
}
