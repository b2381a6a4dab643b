import type { CaseState } from '@ketenhub/case-model';
import { sql } from 'kysely';
import type { ProjectionDb } from '../database';

/**
 * Reads of the active projection version, through the views `<base>.cases` / `<base>.timeline`
 * (versions/versions.ts), so a switch to a rebuilt version is atomic for every query.
 */

export async function findCase(db: ProjectionDb, base: string, id: string): Promise<CaseState | null> {
  const row = await db
    .withSchema(base)
    .selectFrom('cases')
    .select('state')
    .where('id', '=', id)
    .executeTakeFirst();
  return row?.state ?? null;
}

export async function findCases(
  db: ProjectionDb,
  base: string,
  ids: readonly string[],
): Promise<Map<string, CaseState>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .withSchema(base)
    .selectFrom('cases')
    .select(['id', 'state'])
    .where('id', '=', sql<string>`any(${[...ids]}::uuid[])`)
    .execute();
  return new Map(rows.flatMap((x) => (x.state === null ? [] : [[x.id, x.state] as const])));
}

export interface CaseFilter {
  /** `<oin>:<rol>` keys; the case must have one (access rule 1). */
  keys: string[];
  /** Per group of clocks, the keys under which the reader sees that group's deadlines. */
  deadlineKeys: { wmo: string[]; ow: string[]; ingebrekestelling: string[] };
  oin: string;
  domein?: string;
  fase?: string;
  /** true: a running clock the reader sees has a deadline before `today`; false: none does. */
  overdue?: boolean;
  today: string;
  zaakreferentie?: string;
  /** Keyset paging: ids after this one. */
  after?: string;
  limit: number;
}

export interface CaseListRow {
  id: string;
  domein: string | null;
  procedure: string | null;
  fase: string;
  geopend_op: Date | null;
  gesloten_op: Date | null;
  volgende_deadline: string | null;
  deelnemer_rollen: string[];
  /** The case's own BSN, only to pseudonymise it for the processing log; never returned. */
  bsn: string | null;
}

export async function listCases(db: ProjectionDb, base: string, f: CaseFilter): Promise<CaseListRow[]> {
  // The next deadline among the clocks this reader sees (least() skips nulls).
  const visible = sql`least(
      case when deelnemer_rollen && ${f.deadlineKeys.wmo}::text[] then volgende_deadline_wmo end,
      case when deelnemer_rollen && ${f.deadlineKeys.ow}::text[] then volgende_deadline_ow end,
      case when deelnemer_rollen && ${f.deadlineKeys.ingebrekestelling}::text[]
        then volgende_deadline_ingebrekestelling end)`;
  const r = await sql<CaseListRow>`
    select * from (
      select id, domein, procedure, fase, geopend_op, gesloten_op, ${visible}::text as volgende_deadline,
        deelnemer_rollen, state->'client'->>'bsn' as bsn
      from ${sql.table(`${base}.cases`)}
      where deelnemer_oins @> array[${f.oin}]::text[]
        and deelnemer_rollen && ${f.keys}::text[]
        and state is not null
        ${f.domein ? sql`and domein = ${f.domein}` : sql``}
        ${f.fase ? sql`and fase = ${f.fase}` : sql``}
        ${f.zaakreferentie ? sql`and zaakreferenties @> array[${f.zaakreferentie}]::text[]` : sql``}
        ${f.after ? sql`and id > ${f.after}::uuid` : sql``}
    ) c
    where true
      ${f.overdue === true ? sql`and c.volgende_deadline::date < ${f.today}::date` : sql``}
      ${f.overdue === false ? sql`and (c.volgende_deadline is null or c.volgende_deadline::date >= ${f.today}::date)` : sql``}
    order by id
    limit ${f.limit}`.execute(db);
  return r.rows;
}

export interface TimelineDbRow {
  /** Position in the case's log, 1-based: the fold order. */
  positie: number;
  source: string;
  event_id: string;
  type: string;
  event: { time: string; data: Record<string, unknown> };
}

export async function caseTimeline(
  db: ProjectionDb,
  base: string,
  caseId: string,
  offset: number,
  limit: number,
): Promise<TimelineDbRow[]> {
  // The timeline holds each event of the case once, so its row number in log order is the
  // event's position in the fold (what the access rule's "late joiners" compare against).
  const r = await sql<TimelineDbRow>`
    select (row_number() over (order by topic, partitie, kafka_offset))::int as positie,
      source, event_id, type, event
    from ${sql.table(`${base}.timeline`)}
    where case_id = ${caseId} order by topic, partitie, kafka_offset offset ${offset} limit ${limit}`.execute(
    db,
  );
  return r.rows;
}

/** Ids of the cases a reader takes part in that changed since `since` (a resumed stream). */
export async function changedCases(
  db: ProjectionDb,
  base: string,
  f: { oin: string; keys: string[]; since: Date; limit: number },
): Promise<string[]> {
  const r = await sql<{ id: string }>`
    select id from ${sql.table(`${base}.cases`)}
    where deelnemer_oins @> array[${f.oin}]::text[] and deelnemer_rollen && ${f.keys}::text[]
      and bijgewerkt_op >= ${f.since} and state is not null
    order by bijgewerkt_op
    limit ${f.limit}`.execute(db);
  return r.rows.map((x) => x.id);
}
