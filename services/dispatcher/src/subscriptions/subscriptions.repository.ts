import { type Kysely, sql } from 'kysely';
import type { DispatcherDatabase } from '../db';
import type { SubscriptionRecord } from './subscription-record';

/**
 * Stores a subscription record unless the table already holds a newer revision: every instance
 * reads the whole topic from the start, so a slow one must not roll a faster one's state back.
 * The dispatcher's own delivery state (stopped, backoff, last success/error) is left alone.
 */
export async function upsertSubscription(db: Kysely<DispatcherDatabase>, r: SubscriptionRecord) {
  await db
    .insertInto('dispatcher.subscriptions')
    .values({
      id: r.id,
      system_id: r.systemId,
      oin: r.oin,
      url: r.url,
      types: r.types,
      roles: r.roles ?? null,
      status: r.status,
      system_revoked: r.systemRevoked,
      secret_version: r.secretVersion,
      previous_secret_valid_until: r.previousSecretValidUntil ? new Date(r.previousSecretValidUntil) : null,
      revision: r.revision,
      allowed_rate: r.allowedRate ?? null,
      // pg sends a plain object as JSON text, which jsonb takes.
      backfill: r.backfill ?? null,
      format: r.format ?? 'cloudevents',
      auth_sealed: r.authSealed ?? null,
      kanalen: r.kanalen ? JSON.stringify(r.kanalen) : null,
    })
    .onConflict((oc) =>
      oc
        .column('id')
        .doUpdateSet((eb) => ({
          system_id: eb.ref('excluded.system_id'),
          oin: eb.ref('excluded.oin'),
          url: eb.ref('excluded.url'),
          types: eb.ref('excluded.types'),
          roles: eb.ref('excluded.roles'),
          status: eb.ref('excluded.status'),
          system_revoked: eb.ref('excluded.system_revoked'),
          secret_version: eb.ref('excluded.secret_version'),
          previous_secret_valid_until: eb.ref('excluded.previous_secret_valid_until'),
          revision: eb.ref('excluded.revision'),
          allowed_rate: eb.ref('excluded.allowed_rate'),
          backfill: eb.ref('excluded.backfill'),
          format: eb.ref('excluded.format'),
          auth_sealed: eb.ref('excluded.auth_sealed'),
          kanalen: eb.ref('excluded.kanalen'),
        }))
        .where(sql`dispatcher.subscriptions.revision`, '<', sql`excluded.revision`),
    )
    .execute();
}
