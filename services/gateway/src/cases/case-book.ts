import type { CaseDomain } from '@ketenhub/events';
import type { Kysely, Transaction } from 'kysely';
import type { GatewayDatabase } from '../db';
import type { CaseFact, CaseInfo } from './case-facts';

type Db = Kysely<GatewayDatabase> | Transaction<GatewayDatabase>;

/** Writes case facts; `on conflict do nothing` makes replays and the gateway's own echo harmless. */
export async function recordCaseFacts(db: Db, facts: readonly CaseFact[]): Promise<void> {
  const opened = facts.filter((f) => f.kind === 'opened');
  if (opened.length > 0) {
    await db
      .insertInto('gateway.cases')
      .values(opened.map((f) => ({ case_id: f.caseId, domain: f.domain, opened_by: f.oin })))
      .onConflict((oc) => oc.column('case_id').doNothing())
      .execute();
  }
  const participants = new Map<string, { case_id: string; oin: string; role: string }>();
  for (const f of facts)
    participants.set(`${f.caseId}|${f.oin}`, { case_id: f.caseId, oin: f.oin, role: f.role });
  if (participants.size > 0) {
    await db
      .insertInto('gateway.case_participants')
      .values([...participants.values()])
      .onConflict((oc) => oc.columns(['case_id', 'oin']).doNothing())
      .execute();
  }
}

/**
 * Domain and participants per chain case, read through a bounded in-memory cache. Positive answers
 * are cached; a miss or a "not a participant" answer is checked against the database before it
 * decides anything, because another gateway instance may have recorded the case meanwhile.
 */
export class CaseBook {
  private readonly cache = new Map<string, CaseInfo>();

  constructor(
    private readonly db: Kysely<GatewayDatabase>,
    private readonly maxCached = 100_000,
  ) {}

  /** Cases by id; `fresh` bypasses the cache for those ids. Unknown ids are absent from the map. */
  async lookup(ids: Iterable<string>, fresh = false): Promise<Map<string, CaseInfo>> {
    const found = new Map<string, CaseInfo>();
    const missing: string[] = [];
    for (const id of new Set(ids)) {
      const hit = fresh ? undefined : this.cache.get(id);
      if (hit) found.set(id, hit);
      else missing.push(id);
    }
    if (missing.length === 0) return found;
    const rows = await this.db
      .selectFrom('gateway.cases as c')
      .leftJoin('gateway.case_participants as p', 'p.case_id', 'c.case_id')
      .select(['c.case_id', 'c.domain', 'p.oin'])
      .where('c.case_id', 'in', missing)
      .execute();
    for (const row of rows) {
      let info = found.get(row.case_id);
      if (!info) {
        info = { domain: row.domain as CaseDomain, participants: new Set() };
        found.set(row.case_id, info);
      }
      if (row.oin) info.participants.add(row.oin);
    }
    for (const id of missing) {
      const info = found.get(id);
      if (info) this.remember(id, info);
    }
    return found;
  }

  /** Records facts in the database and then in the cache (never the cache alone). */
  async record(facts: readonly CaseFact[], db: Db = this.db): Promise<void> {
    if (facts.length === 0) return;
    await recordCaseFacts(db, facts);
    this.learn(facts);
  }

  /** Updates the cache after a transaction that recorded `facts` committed. */
  learn(facts: readonly CaseFact[]): void {
    for (const f of facts) {
      const known = this.cache.get(f.caseId);
      if (f.kind === 'opened') {
        const info = known ?? { domain: f.domain, participants: new Set<string>() };
        info.participants.add(f.oin);
        this.remember(f.caseId, info);
      } else if (known) {
        known.participants.add(f.oin);
      }
    }
  }

  private remember(id: string, info: CaseInfo) {
    this.cache.delete(id);
    this.cache.set(id, info);
    // Map keeps insertion order: the first key is the least recently stored one.
    if (this.cache.size > this.maxCached) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
  }
}
