import type { Migrations } from '@ketenhub/db';
import { type Kysely, sql } from 'kysely';

/**
 * Schema `projection`: what survives a rebuild. The version registry and the pointer to the
 * version that serves reads, the processing log (legal record of reads) and the deadline-event
 * claims (so a rebuilt projection never re-announces a term). The read views `projection.cases`
 * and `projection.timeline` are (re)created by versions/ when a version is activated.
 */
export function baseMigrations(schema: string): Migrations {
  const t = (name: string) => sql.table(`${schema}.${name}`);
  return {
    '2026-11-28T1400_versions': {
      async up(db: Kysely<unknown>) {
        await sql`create table ${t('versions')} (
          versie integer primary key,
          schema_naam text not null unique,
          group_id text not null,
          status text not null check (status in ('bouwen', 'actief', 'oud')),
          aangemaakt_op timestamptz not null default now(),
          geactiveerd_op timestamptz
        )`.execute(db);
        // At most one active version, enforced by the database rather than by care.
        await sql`create unique index versions_een_actief on ${t('versions')} ((true)) where status = 'actief'`.execute(
          db,
        );
      },
      async down(db: Kysely<unknown>) {
        await sql`drop table if exists ${t('versions')}`.execute(db);
      },
    },
    '2026-11-28T1401_processing_log': {
      async up(db: Kysely<unknown>) {
        await sql`create table ${t('processing_log')} (
          id bigserial primary key,
          trace_id text not null,
          operation_id text not null,
          operatie text not null,
          verwerkingsactiviteit text not null,
          organisatie_oin text not null,
          gebruiker text not null,
          rollen text[] not null,
          case_id uuid,
          betrokkene text,
          status text not null check (status in ('OK', 'ERROR')),
          start_tijd timestamptz not null,
          eind_tijd timestamptz not null
        )`.execute(db);
        await sql`create index processing_log_case_idx on ${t('processing_log')} (case_id, start_tijd)`.execute(
          db,
        );
      },
      async down(db: Kysely<unknown>) {
        await sql`drop table if exists ${t('processing_log')}`.execute(db);
      },
    },
    '2026-11-28T1402_deadline_events': {
      async up(db: Kysely<unknown>) {
        await sql`create table ${t('deadline_events')} (
          event_id uuid primary key,
          case_id uuid not null,
          termijn text not null,
          deadline date not null,
          status text not null check (status in ('geclaimd', 'verzonden')),
          geclaimd_door text not null,
          geclaimd_op timestamptz not null,
          verzonden_op timestamptz,
          unique (case_id, termijn, deadline)
        )`.execute(db);
      },
      async down(db: Kysely<unknown>) {
        await sql`drop table if exists ${t('deadline_events')}`.execute(db);
      },
    },
    '2026-12-03T1000_state_format': {
      async up(db: Kysely<unknown>) {
        // Which shape of the joined case a version holds (STATE_FORMAT in versions.ts): a version
        // of an older shape is never read by newer code; it is rebuilt from the log instead.
        await sql`alter table ${t('versions')} add column formaat integer not null default 1`.execute(db);
      },
      async down(db: Kysely<unknown>) {
        await sql`alter table ${t('versions')} drop column formaat`.execute(db);
      },
    },
  };
}
