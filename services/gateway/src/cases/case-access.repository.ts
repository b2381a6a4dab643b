import { type AccessContext, type AccessEvent, type AccessState, foldAccess } from '@ketenhub/access';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { GatewayDatabase } from '../db';

type Db = Kysely<GatewayDatabase> | Transaction<GatewayDatabase>;

/** One access event of a chain case, as the acceptor and the cases consumer record it. */
export interface AccessEntry {
  caseId: string;
  /** receivedKey(source, id). */
  key: string;
  event: AccessEvent;
  /** Its offset in the case's partition, when the writer read it from the log. */
  offset?: string;
}

/**
 * NOTIFY channel of changed cases: every gateway instance LISTENs (case-notices.ts) and drops the
 * cases from its cache. Not a post from the cases consumer's thread to its own process: the
 * instances share that consumer group, so each reads only some partitions, while every instance
 * caches states of every case.
 */
export const caseAccessChannel = 'ketenhub_gateway_case_access';

/** Ids per NOTIFY payload: 36 characters and a comma each, under PostgreSQL's 8000-byte limit. */
const IDS_PER_NOTICE = 200;

/**
 * NOTIFY payloads `<origin>|<id>,<id>,...`. `origin` names the instance whose acceptor recorded
 * the events (it has applied them to its cache already and ignores its own notice); the consumer
 * sends '' so that every instance, its own included, drops the cases.
 */
export function noticePayloads(origin: string, ids: Iterable<string>): string[] {
  const unique = [...new Set(ids)];
  const out: string[] = [];
  for (let i = 0; i < unique.length; i += IDS_PER_NOTICE)
    out.push(`${origin}|${unique.slice(i, i + IDS_PER_NOTICE).join(',')}`);
  return out;
}

export function parseNotice(payload: string): { origin: string; ids: string[] } {
  const bar = payload.indexOf('|');
  return {
    origin: payload.slice(0, Math.max(0, bar)),
    ids: payload
      .slice(bar + 1)
      .split(',')
      .filter(Boolean),
  };
}

/** What the table keeps of an event: only what the rule reads. */
export function storedEvent(event: AccessEvent): string {
  const { type, source, id, time, data } = event;
  return JSON.stringify({ type, source, id, time, data });
}

/**
 * Records access events and announces their cases, in one statement (NOTIFY is delivered at
 * commit, so no instance reloads a case before the rows are visible). A row is written once per
 * (case, event); a later writer only fills in the offset of a row written without one, so the
 * first copy of an event in the log is the one that counts, as in the fold.
 */
export async function recordAccessEvents(
  db: Db,
  entries: readonly AccessEntry[],
  origin: string,
): Promise<void> {
  // One row per (case, event) and statement: ON CONFLICT cannot touch a row twice, and a record
  // re-published after a crash can sit twice in one fetched batch. The first copy counts.
  const unique = new Map<string, AccessEntry>();
  for (const e of entries) if (!unique.has(`${e.caseId} ${e.key}`)) unique.set(`${e.caseId} ${e.key}`, e);
  if (unique.size === 0) return;
  const rows = [...unique.values()];
  await sql`
    with written as (
      insert into gateway.case_access_events (case_id, key, kafka_offset, event)
      select * from unnest(${rows.map((e) => e.caseId)}::uuid[], ${rows.map((e) => e.key)}::uuid[],
        ${rows.map((e) => e.offset ?? null)}::bigint[], ${rows.map((e) => storedEvent(e.event))}::jsonb[])
      on conflict (case_id, key) do update set kafka_offset = excluded.kafka_offset
        where case_access_events.kafka_offset is null and excluded.kafka_offset is not null
      returning 1)
    select pg_notify(${caseAccessChannel}, p)
    from unnest(${noticePayloads(
      origin,
      rows.map((e) => e.caseId),
    )}::text[]) as p`.execute(db);
}

/**
 * The access state of each case that has rows: the fold of its events in log order (by offset;
 * rows the consumer has not reached yet after those, in write order). Cases without rows are
 * absent: nobody opened them as far as this gateway knows.
 */
export async function loadAccessStates(
  db: Db,
  ids: readonly string[],
  ctx: AccessContext,
): Promise<Map<string, AccessState>> {
  const states = new Map<string, AccessState>();
  if (ids.length === 0) return states;
  const rows = await sql<{ case_id: string; event: AccessEvent }>`
    select case_id, event from gateway.case_access_events
    where case_id = any(${ids}::uuid[])
    order by case_id, kafka_offset nulls last, seq`.execute(db);
  const perCase = new Map<string, AccessEvent[]>();
  for (const row of rows.rows) {
    const events = perCase.get(row.case_id);
    if (events) events.push(row.event);
    else perCase.set(row.case_id, [row.event]);
  }
  for (const [id, events] of perCase) states.set(id, foldAccess(events, ctx).state);
  return states;
}
