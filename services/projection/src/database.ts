import type { Kysely, Transaction } from 'kysely';
import type { CaseTable, TimelineTable } from './cases/case.table';
import type { RejectedTable } from './consumer/rejected.table';
import type { DeadlineEventTable } from './deadlines/deadline.table';
import type { FeedTable } from './feed/feed.table';
import type { ProcessingLogTable } from './processing-log/processing-log.table';
import type { VersionTable } from './versions/version.table';

/**
 * The projection's tables, for kysely (STYLE.md #6). Two kinds of schema hold them: a version
 * schema `<base>_v<N>` (the read model: cases, timeline, feed, rejected; migrations in
 * migrations/version-migrations.ts) and the base schema `<base>` (versions, processing log,
 * deadline claims, and views named like the read model's tables that show the active version;
 * migrations/base-migrations.ts). Schema names are chosen at run time, so a query names its schema
 * (`sql.table(\`${schema}.cases\`)` or `db.withSchema(schema)`); the tables' shapes are these.
 */
export interface ProjectionDatabase {
  cases: CaseTable;
  timeline: TimelineTable;
  feed: FeedTable;
  rejected: RejectedTable;
  versions: VersionTable;
  processing_log: ProcessingLogTable;
  deadline_events: DeadlineEventTable;
}

export type ProjectionDb = Kysely<ProjectionDatabase>;

/**
 * @ketenhub/db's helpers know no service's tables: they take and hand back `Kysely<unknown>` (and
 * `Transaction<unknown>`), as does the ketenhub CLI. These name the same object with and without
 * the projection's tables. Never `withTables()` instead: it makes a new instance, and
 * `withConnection` finds the pool (and with it COPY) by the instance.
 */
export function untyped(db: ProjectionDb): Kysely<unknown> {
  return db as unknown as Kysely<unknown>;
}

export function typed(db: Kysely<unknown>): ProjectionDb;
export function typed(db: Transaction<unknown>): Transaction<ProjectionDatabase>;
export function typed(db: Kysely<unknown>): ProjectionDb {
  return db as unknown as ProjectionDb;
}
