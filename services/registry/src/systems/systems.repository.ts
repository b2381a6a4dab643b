import type { CaseDomain, EventType, PublisherRole } from '@ketenhub/events';
import type { Kysely, Transaction } from 'kysely';
import { type System, sourceOf } from './system';
import type { NewSystemRow, RegistryDatabase, SystemRow } from './systems.table';

type Db = Kysely<RegistryDatabase> | Transaction<RegistryDatabase>;

/** Row to domain type; the token hash never leaves the repository through this mapper. */
export function toSystem(row: SystemRow): System {
  return {
    id: row.id,
    oin: row.oin,
    name: row.name,
    source: sourceOf(row.oin, row.name),
    roles: row.roles as PublisherRole[],
    domains: row.domains as CaseDomain[],
    publishes: row.publishes as EventType[],
    consumes: row.consumes as EventType[],
    kafkaNative: row.kafka_native,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    revokedAt: row.revoked_at ? row.revoked_at.toISOString() : null,
  };
}

/** Inserts a system; `undefined` when (oin, name) is taken. */
export async function insertSystem(db: Db, row: NewSystemRow): Promise<SystemRow | undefined> {
  return db
    .insertInto('registry.systems')
    .values(row)
    .onConflict((oc) => oc.columns(['oin', 'name']).doNothing())
    .returningAll()
    .executeTakeFirst();
}

export async function findSystem(db: Db, id: string, options: { forUpdate?: boolean } = {}) {
  let query = db.selectFrom('registry.systems').selectAll().where('id', '=', id);
  if (options.forUpdate) query = query.forUpdate();
  return query.executeTakeFirst();
}

export async function listSystems(db: Db, filter: { oin?: string } = {}) {
  let query = db.selectFrom('registry.systems').selectAll().orderBy('created_at').orderBy('id');
  if (filter.oin) query = query.where('oin', '=', filter.oin);
  return query.execute();
}

export async function replaceToken(db: Db, id: string, tokenSha256: string) {
  return db
    .updateTable('registry.systems')
    .set({ token_sha256: tokenSha256, updated_at: new Date() })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function markRevoked(db: Db, id: string, at: Date) {
  return db
    .updateTable('registry.systems')
    .set({ revoked_at: at, updated_at: at })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The active system a token belongs to (by its SHA-256), for the systems' own APIs (the ZGW façade). */
export async function findActiveSystemByToken(db: Db, tokenSha256: string) {
  return db
    .selectFrom('registry.systems')
    .selectAll()
    .where('token_sha256', '=', tokenSha256)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
}
