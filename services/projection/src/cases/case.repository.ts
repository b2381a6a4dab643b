import { type Kysely, sql } from 'kysely';
import type { CaseState } from './state';

/**
 * Reads of the active projection version, through the views `<base>.cases` / `<base>.timeline`
 * (versions/versions.ts), so a switch to a rebuilt version is atomic for every query.
 */

export async function findCase(db: Kysely<unknown>, base: string, id: string): Promise<CaseState | null> {
  const r = await sql<{
    state: CaseState | null;
  }>`select state from ${sql.table(`${base}.cases`)} where id = ${id}`.execute(db);
  return r.rows[0]?.state ?? null;
}

export async function findCases(
  db: Kysely<unknown>,
  base: string,
  ids: readonly string[],
): Promise<Map<string, CaseState>> {
  if (ids.length === 0) return new Map();
  const r = await sql<{ id: string; state: CaseState | null }>`
    select id, state from ${sql.table(`${base}.cases`)} where id = any(${[...ids]}::uuid[])`.execute(db);
  return new Map(r.rows.filter((x) => x.state !== null).map((x) => [x.id, x.state as CaseState]));
}

export interface CaseFilter {
  /** `<oin>:<rol>` keys; the case must have one (access rule 1). */
  keys: string[];
  oin: string;
  domein?: string;
  fase?: string;
  /** true: a running clock's deadline lies before `today`; false: none does. */
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

export async function listCases(db: Kysely<unknown>, base: string, f: CaseFilter): Promise<CaseListRow[]> {
  const r = await sql<CaseListRow>`
    select id, domein, procedure, fase, geopend_op, gesloten_op, volgende_deadline::text as volgende_deadline,
      deelnemer_rollen, state->'client'->>'bsn' as bsn
    from ${sql.table(`${base}.cases`)}
    where deelnemer_oins @> array[${f.oin}]::text[]
      and deelnemer_rollen && ${f.keys}::text[]
      and state is not null
      ${f.domein ? sql`and domein = ${f.domein}` : sql``}
      ${f.fase ? sql`and fase = ${f.fase}` : sql``}
      ${f.overdue === true ? sql`and volgende_deadline < ${f.today}::date` : sql``}
      ${f.overdue === false ? sql`and (volgende_deadline is null or volgende_deadline >= ${f.today}::date)` : sql``}
      ${f.zaakreferentie ? sql`and zaakreferenties @> array[${f.zaakreferentie}]::text[]` : sql``}
      ${f.after ? sql`and id > ${f.after}::uuid` : sql``}
    order by id
    limit ${f.limit}`.execute(db);
  return r.rows;
}

export interface TimelineDbRow {
  source: string;
  event_id: string;
  type: string;
  event: { time: string; data: Record<string, unknown> };
}

export async function caseTimeline(
  db: Kysely<unknown>,
  base: string,
  caseId: string,
  offset: number,
  limit: number,
): Promise<TimelineDbRow[]> {
  const r = await sql<TimelineDbRow>`
    select source, event_id, type, event from ${sql.table(`${base}.timeline`)}
    where case_id = ${caseId} order by tijd, source, event_id offset ${offset} limit ${limit}`.execute(db);
  return r.rows;
}
