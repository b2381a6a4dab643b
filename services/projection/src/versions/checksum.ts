import { type Kysely, sql } from 'kysely';

/**
 * A checksum of what a projection version knows: every case (state and derived columns) and every
 * timeline entry, without bookkeeping that legitimately differs between two builds of the same
 * events (update timestamps, where in which topic the events were read: `laatste`, offsets). Two
 * versions built from the same log, with any crash and any re-published copies in between, must
 * have the same checksum.
 */
export async function projectionChecksum(
  db: Kysely<unknown>,
  schema: string,
): Promise<{ cases: number; events: number; checksum: string }> {
  const r = await sql<{ cases: string; events: string; checksum: string }>`
    select
      (select count(*) from ${sql.table(`${schema}.cases`)}) as cases,
      (select count(*) from ${sql.table(`${schema}.timeline`)}) as events,
      md5(
        coalesce((select string_agg(concat_ws('|', id, domein, procedure, fase, geopend_op, gesloten_op,
            deelnemer_oins::text, deelnemer_rollen::text, zaakreferenties::text, volgende_deadline,
            volgende_deadline_wmo, volgende_deadline_ow, volgende_deadline_ingebrekestelling,
            te_melden_deadline, aantal_events, (state - 'laatste')::text), E'\n' order by id)
          from ${sql.table(`${schema}.cases`)}), '')
        || '#' ||
        coalesce((select string_agg(concat_ws('|', source, event_id, case_id, type, tijd, event::text), E'\n'
            order by source, event_id)
          from ${sql.table(`${schema}.timeline`)}), '')
        || '#' ||
        coalesce((select string_agg(concat_ws('|', case_id, positie, source, event_id, ontvangers::text,
            redacties::text), E'\n' order by source, event_id)
          from ${sql.table(`${schema}.feed`)}), '')
      ) as checksum`.execute(db);
  const row = r.rows[0];
  return { cases: Number(row?.cases ?? 0), events: Number(row?.events ?? 0), checksum: row?.checksum ?? '' };
}
