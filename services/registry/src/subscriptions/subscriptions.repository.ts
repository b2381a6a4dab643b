import { type Kysely, sql, type Transaction } from 'kysely';
import type { RegistryDatabase } from '../systems/systems.table';
import type { Subscription, SubscriptionStatus } from './subscription';
import type { NewSubscriptionRow, SubscriptionRow } from './subscriptions.table';

type Db = Kysely<RegistryDatabase> | Transaction<RegistryDatabase>;

export function toSubscription(row: SubscriptionRow, now = new Date()): Subscription {
  const grace = row.previous_secret_valid_until;
  return {
    id: row.id,
    systemId: row.system_id,
    url: row.url,
    types: row.types,
    status: row.status as SubscriptionStatus,
    secretVersion: row.secret_version,
    previousSecretValidUntil: grace && grace > now ? grace.toISOString() : null,
    allowedRate: row.allowed_rate,
    backfill: row.backfill,
    format: row.format,
    authSet: row.auth_sealed !== null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export async function insertSubscription(db: Db, row: NewSubscriptionRow): Promise<SubscriptionRow> {
  return db.insertInto('registry.subscriptions').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function findSubscription(
  db: Db,
  systemId: string,
  id: string,
  options: { forUpdate?: boolean } = {},
) {
  let query = db
    .selectFrom('registry.subscriptions')
    .selectAll()
    .where('id', '=', id)
    .where('system_id', '=', systemId);
  if (options.forUpdate) query = query.forUpdate();
  return query.executeTakeFirst();
}

export async function listSubscriptions(db: Db, filter: { systemId?: string; withDeleted?: boolean } = {}) {
  let query = db.selectFrom('registry.subscriptions').selectAll().orderBy('created_at').orderBy('id');
  if (filter.systemId) query = query.where('system_id', '=', filter.systemId);
  if (!filter.withDeleted) query = query.where('status', '!=', 'deleted');
  return query.execute();
}

export async function updateSubscription(
  db: Db,
  id: string,
  change: {
    status?: SubscriptionStatus;
    secret_version?: number;
    previous_secret_valid_until?: Date | null;
    url?: string;
    types?: string[];
    auth_sealed?: string | null;
    kanalen?: string | null;
  },
) {
  return db
    .updateTable('registry.subscriptions')
    .set({ ...change, updated_at: new Date(), revision: sql`revision + 1` as never })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Bumps the revision of every subscription of a system (its state record changes with the system's). */
export async function touchSubscriptionsOf(db: Db, systemId: string) {
  return db
    .updateTable('registry.subscriptions')
    .set({ updated_at: new Date(), revision: sql`revision + 1` as never })
    .where('system_id', '=', systemId)
    .returningAll()
    .execute();
}
