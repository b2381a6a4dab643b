import { migrateToLatest } from '@ketenhub/db';
import { type Kysely, sql } from 'kysely';
import { baseMigrations } from '../migrations/base-migrations';
import { versionMigrations } from '../migrations/version-migrations';

/**
 * Projection versions. Each version is a schema (`<base>_v<N>`) with its own consumer group; the
 * API reads through the views `<base>.cases` and `<base>.timeline`, which point at the active
 * version. Switching is one transaction that repoints both views and flips the status rows, so
 * every reader on every instance sees either the old or the new version, never a mix.
 */

/**
 * The shape of the joined case this code writes and reads. Raise it when a change to the fold or
 * the state makes stored cases unreadable or wrong for this code (format 2: the one access model
 * of issue 12, folded in log order). The first instance that starts with a newer format creates a
 * version of that format and serves it while it catches up from the log: reads are then incomplete
 * for a while (cases appear as they are projected), never wrong.
 */
export const STATE_FORMAT = 2;

export interface VersionInfo {
  versie: number;
  schema: string;
  groupId: string;
  status: 'bouwen' | 'actief' | 'oud';
  /** {@link STATE_FORMAT} the version was built with. */
  formaat: number;
}

/** NOTIFY channel announcing a switch; payload: the new version number. */
export const versionChannel = 'projection_version';

const lockKey = (base: string) => sql`pg_advisory_xact_lock(hashtext(${`ketenhub:${base}:versions`}))`;

export function versionSchema(base: string, versie: number): string {
  return `${base}_v${versie}`;
}

export function versionGroup(groupBase: string, versie: number): string {
  return `${groupBase}-v${versie}`;
}

type Row = {
  versie: number;
  schema_naam: string;
  group_id: string;
  status: VersionInfo['status'];
  formaat: number;
};
const toInfo = (r: Row): VersionInfo => ({
  versie: r.versie,
  schema: r.schema_naam,
  groupId: r.group_id,
  status: r.status,
  formaat: r.formaat,
});

/** Runs the base schema migrations (versions, processing log, deadline claims). */
export async function migrateBase(db: Kysely<unknown>, base: string): Promise<void> {
  await migrateToLatest(db, baseMigrations(base), { schema: base });
}

export async function listVersions(db: Kysely<unknown>, base: string): Promise<VersionInfo[]> {
  const rows =
    await sql<Row>`select versie, schema_naam, group_id, status, formaat from ${sql.table(`${base}.versions`)} order by versie`.execute(
      db,
    );
  return rows.rows.map(toInfo);
}

export async function activeVersion(db: Kysely<unknown>, base: string): Promise<VersionInfo | null> {
  const rows =
    await sql<Row>`select versie, schema_naam, group_id, status, formaat from ${sql.table(`${base}.versions`)}
    where status = 'actief'`.execute(db);
  return rows.rows[0] ? toInfo(rows.rows[0]) : null;
}

/** Registers a new version in state `bouwen` and migrates its schema. */
export async function createVersion(
  db: Kysely<unknown>,
  base: string,
  groupBase: string,
): Promise<VersionInfo> {
  const info = await db.transaction().execute(async (trx) => {
    await sql`select ${lockKey(base)}`.execute(trx);
    const max = await sql<{
      n: number | null;
    }>`select max(versie) as n from ${sql.table(`${base}.versions`)}`.execute(trx);
    const versie = (max.rows[0]?.n ?? 0) + 1;
    const schema = versionSchema(base, versie);
    const groupId = versionGroup(groupBase, versie);
    await sql`insert into ${sql.table(`${base}.versions`)} (versie, schema_naam, group_id, status, formaat)
      values (${versie}, ${schema}, ${groupId}, 'bouwen', ${STATE_FORMAT})`.execute(trx);
    return { versie, schema, groupId, status: 'bouwen' as const, formaat: STATE_FORMAT };
  });
  await migrateToLatest(db, versionMigrations(info.schema), { schema: info.schema });
  return info;
}

/**
 * Makes `versie` the one that serves reads: views repointed and statuses flipped in one
 * transaction, then a NOTIFY (delivered on commit) so running instances move their consumer.
 */
export async function activateVersion(
  db: Kysely<unknown>,
  base: string,
  versie: number,
): Promise<VersionInfo> {
  return db.transaction().execute(async (trx) => {
    await sql`select ${lockKey(base)}`.execute(trx);
    const target =
      await sql<Row>`select versie, schema_naam, group_id, status, formaat from ${sql.table(`${base}.versions`)}
      where versie = ${versie}`.execute(trx);
    const row = target.rows[0];
    if (!row) throw new Error(`projection version ${versie} does not exist`);
    await sql`update ${sql.table(`${base}.versions`)} set status = 'oud' where status = 'actief' and versie <> ${versie}`.execute(
      trx,
    );
    await sql`update ${sql.table(`${base}.versions`)} set status = 'actief', geactiveerd_op = now() where versie = ${versie}`.execute(
      trx,
    );
    for (const name of ['cases', 'timeline', 'rejected', 'feed', 'consumer_positions']) {
      await sql`drop view if exists ${sql.table(`${base}.${name}`)}`.execute(trx);
      await sql`create view ${sql.table(`${base}.${name}`)} as select * from ${sql.table(`${row.schema_naam}.${name}`)}`.execute(
        trx,
      );
    }
    await sql`select pg_notify(${versionChannel}, ${String(versie)})`.execute(trx);
    return { ...toInfo(row), status: 'actief' };
  });
}

/**
 * The active version, creating and activating version 1 on a fresh database. Several instances
 * starting together agree through the advisory lock. Also brings the active schema's migrations
 * up to date.
 */
export async function ensureActiveVersion(
  db: Kysely<unknown>,
  base: string,
  groupBase: string,
): Promise<VersionInfo> {
  await migrateBase(db, base);
  const key = `ketenhub:${base}:versions`;
  // A session lock around check-create-activate: two instances starting on a fresh database must
  // not both create a version 1. (Advisory locks are re-entrant, so the transaction-level lock
  // taken inside createVersion/activateVersion on the same connection succeeds.)
  const active = await db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(hashtext(${key}))`.execute(conn);
    try {
      const found = await activeVersion(conn, base);
      if (found && found.formaat >= STATE_FORMAT) return found;
      // None yet, or one of an older shape this code cannot read: a new one, served at once.
      const created = await createVersion(conn, base, groupBase);
      return await activateVersion(conn, base, created.versie);
    } finally {
      await sql`select pg_advisory_unlock(hashtext(${key}))`.execute(conn);
    }
  });
  await migrateToLatest(db, versionMigrations(active.schema), { schema: active.schema });
  return active;
}

/** Drops a version that is not active (its schema and registry row). */
export async function dropVersion(db: Kysely<unknown>, base: string, versie: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`select ${lockKey(base)}`.execute(trx);
    const r =
      await sql<Row>`select versie, schema_naam, group_id, status, formaat from ${sql.table(`${base}.versions`)}
      where versie = ${versie}`.execute(trx);
    const row = r.rows[0];
    if (!row) return;
    if (row.status === 'actief') throw new Error(`version ${versie} is active; activate another one first`);
    await sql`drop schema if exists ${sql.id(row.schema_naam)} cascade`.execute(trx);
    await sql`delete from ${sql.table(`${base}.versions`)} where versie = ${versie}`.execute(trx);
  });
}
