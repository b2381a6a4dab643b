import { createPositionsTable, type Migrations } from '@ketenhub/db';
import { type Kysely, sql } from 'kysely';

/**
 * Migrations of one projection version schema (`projection_v<N>`). Every version gets the same
 * set; a rebuild creates a new schema and runs them from the start.
 */
export function versionMigrations(schema: string): Migrations {
  const t = (name: string) => sql.table(`${schema}.${name}`);
  return {
    '2026-11-28T1400_cases_timeline': {
      async up(db: Kysely<unknown>) {
        await sql`create table ${t('cases')} (
          id uuid primary key,
          domein text,
          procedure text,
          fase text not null default 'onvolledig',
          geopend_op timestamptz,
          gesloten_op timestamptz,
          deelnemer_oins text[] not null default '{}',
          deelnemer_rollen text[] not null default '{}',
          zaakreferenties text[] not null default '{}',
          volgende_deadline date,
          te_melden_deadline date,
          aantal_events integer not null default 0,
          state jsonb,
          bijgewerkt_op timestamptz not null default now()
        )`.execute(db);
        await sql`create index cases_deelnemers_idx on ${t('cases')} using gin (deelnemer_oins)`.execute(db);
        await sql`create index cases_zaakreferenties_idx on ${t('cases')} using gin (zaakreferenties)`.execute(
          db,
        );
        await sql`create index cases_te_melden_idx on ${t('cases')} (te_melden_deadline) where te_melden_deadline is not null`.execute(
          db,
        );
        await sql`create table ${t('timeline')} (
          source text not null,
          event_id text not null,
          case_id uuid not null,
          type text not null,
          tijd timestamptz not null,
          topic text not null,
          partitie integer not null,
          kafka_offset bigint not null,
          event jsonb not null,
          primary key (source, event_id)
        )`.execute(db);
        await sql`create index timeline_case_idx on ${t('timeline')} (case_id, tijd)`.execute(db);
        await sql`create table ${t('rejected')} (
          topic text not null,
          partitie integer not null,
          kafka_offset bigint not null,
          sleutel text,
          overtredingen jsonb not null,
          waarde text,
          ontvangen_op timestamptz not null default now(),
          primary key (topic, partitie, kafka_offset)
        )`.execute(db);
        await createPositionsTable(db, schema);
      },
      async down(db: Kysely<unknown>) {
        await sql`drop table if exists ${t('rejected')}`.execute(db);
        await sql`drop table if exists ${t('timeline')}`.execute(db);
        await sql`drop table if exists ${t('cases')}`.execute(db);
        await sql`drop table if exists ${t('consumer_positions')}`.execute(db);
      },
    },
    '2026-12-03T1000_access_model': {
      async up(db: Kysely<unknown>) {
        // The next deadline per group of clocks, so a list shows each reader only the clocks its
        // roles see (docs/access.md); and the timeline in log order, the fold order.
        await sql`alter table ${t('cases')} add column volgende_deadline_wmo date,
          add column volgende_deadline_ow date, add column volgende_deadline_ingebrekestelling date`.execute(
          db,
        );
        await sql`create index timeline_case_log_idx on ${t('timeline')} (case_id, topic, partitie, kafka_offset)`.execute(
          db,
        );
        await sql`drop index if exists ${sql.raw(`${schema}.timeline_case_idx`)}`.execute(db);
      },
      async down(db: Kysely<unknown>) {
        await sql`create index timeline_case_idx on ${t('timeline')} (case_id, tijd)`.execute(db);
        await sql`drop index if exists ${sql.raw(`${schema}.timeline_case_log_idx`)}`.execute(db);
        await sql`alter table ${t('cases')} drop column volgende_deadline_wmo,
          drop column volgende_deadline_ow, drop column volgende_deadline_ingebrekestelling`.execute(db);
      },
    },
    '2026-12-03T1100_feed': {
      async up(db: Kysely<unknown>) {
        // The catch-up feed (feed/feed-rows.ts): who receives which event, decided at fold time.
        await sql`create table ${t('feed')} (
          ontvanger text not null,
          topic text not null,
          partitie integer not null,
          kafka_offset bigint not null,
          case_id uuid not null,
          positie integer not null,
          type text not null,
          source text not null,
          event_id text not null,
          redactie text,
          data jsonb,
          primary key (ontvanger, topic, partitie, kafka_offset)
        )`.execute(db);
        // Numbering a page counts a reader's earlier rows per case: an index-only scan with this.
        await sql`create index feed_case_idx on ${t('feed')} (case_id, ontvanger, positie) include (type)`.execute(
          db,
        );
      },
      async down(db: Kysely<unknown>) {
        await sql`drop table if exists ${t('feed')}`.execute(db);
      },
    },
    '2026-12-03T1300_cases_bsn': {
      async up(db: Kysely<unknown>) {
        // The data subject of a case for the processing log of lists and feeds, without reading
        // (and de-toasting) the whole state for it.
        await sql`alter table ${t('cases')} add column bsn text generated always as (state->'client'->>'bsn') stored`.execute(
          db,
        );
      },
      async down(db: Kysely<unknown>) {
        await sql`alter table ${t('cases')} drop column bsn`.execute(db);
      },
    },
    '2026-12-03T1400_feed_per_event': {
      async up(db: Kysely<unknown>) {
        // The feed as one narrow row per event with its receivers (feed-rows.ts): a row per
        // receiver and its case index cost the catch-up about as much as the timeline. And the
        // case's BSN for the processing log is read from the state again: a generated column was
        // computed from the whole state JSON on every case write.
        await sql`drop table if exists ${t('feed')}`.execute(db);
        await sql`create table ${t('feed')} (
          topic text not null,
          partitie integer not null,
          kafka_offset bigint not null,
          case_id uuid not null,
          positie integer not null,
          type text not null,
          source text not null,
          event_id text not null,
          ontvangers text[] not null,
          redacties jsonb,
          primary key (topic, partitie, kafka_offset)
        )`.execute(db);
        // Numbering a page counts a reader's earlier events per case.
        await sql`create index feed_case_idx on ${t('feed')} (case_id, positie)`.execute(db);
        await sql`alter table ${t('cases')} drop column if exists bsn`.execute(db);
      },
      async down(db: Kysely<unknown>) {
        await sql`drop table if exists ${t('feed')}`.execute(db);
      },
    },
  };
}
