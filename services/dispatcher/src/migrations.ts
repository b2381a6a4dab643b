import { createPositionsTable, type Migrations } from '@ketenhub/db';
import { type Kysely, sql } from 'kysely';

/** The dispatcher's own schema in the hub database; no other service reads it. */
export const dispatcherSchema = 'dispatcher';

export const dispatcherMigrations: Migrations = {
  '2026-11-29T1100_create_dispatcher': {
    async up(db: Kysely<unknown>) {
      const s = db.schema.withSchema(dispatcherSchema);
      // Subscriptions as the registry publishes them (first block), plus the delivery state the
      // dispatcher itself owns (second block): a receiver's 410 or Retry-After is the dispatcher's
      // knowledge, not a registry change.
      await s
        .createTable('subscriptions')
        .addColumn('id', 'uuid', (c) => c.primaryKey())
        .addColumn('system_id', 'uuid', (c) => c.notNull())
        .addColumn('oin', 'text', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('types', sql`text[]`, (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('system_revoked', 'boolean', (c) => c.notNull())
        .addColumn('secret_version', 'integer', (c) => c.notNull())
        .addColumn('previous_secret_valid_until', 'timestamptz')
        .addColumn('revision', 'bigint', (c) => c.notNull())
        .addColumn('stopped_at', 'timestamptz')
        .addColumn('stopped_reason', 'text')
        .addColumn('backoff_until', 'timestamptz')
        .addColumn('last_success_at', 'timestamptz')
        .addColumn('last_error_at', 'timestamptz')
        .addColumn('last_error', 'text')
        .execute();
      // Who takes part in which chain case, from the opening and joining events on the domain topics.
      await s
        .createTable('case_participants')
        .addColumn('case_id', 'text', (c) => c.notNull())
        .addColumn('oin', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('case_participants_pk', ['case_id', 'oin'])
        .execute();
      // The outbox: one row per (subscription, event), written in the consume transaction.
      await s
        .createTable('deliveries')
        .addColumn('id', 'bigserial', (c) => c.primaryKey())
        .addColumn('subscription_id', 'uuid', (c) => c.notNull())
        .addColumn('case_id', 'text', (c) => c.notNull())
        .addColumn('event_source', 'text', (c) => c.notNull())
        .addColumn('event_id', 'text', (c) => c.notNull())
        .addColumn('event_type', 'text', (c) => c.notNull())
        // The Kafka record value, byte for byte: the receiver verifies the signature over these bytes.
        .addColumn('body', 'bytea', (c) => c.notNull())
        .addColumn('traceparent', 'text')
        .addColumn('status', 'text', (c) =>
          c.notNull().defaultTo('pending').check(sql`status in ('pending', 'delivered', 'failed')`),
        )
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        // When the row may be claimed next; also the claim's lease (see outbox.ts).
        .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('last_attempt_at', 'timestamptz')
        .addColumn('last_status', 'integer')
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('requeued_at', 'timestamptz')
        .addColumn('delivered_at', 'timestamptz')
        .addUniqueConstraint('deliveries_once', ['subscription_id', 'event_source', 'event_id'])
        .execute();
      // The per-case order check ("no earlier pending row of this subscription and case").
      await sql`create index deliveries_pending_case on ${sql.table(`${dispatcherSchema}.deliveries`)}
        (subscription_id, case_id, id) where status = 'pending'`.execute(db);
      await sql`create index deliveries_pending_due on ${sql.table(`${dispatcherSchema}.deliveries`)}
        (next_attempt_at, id) where status = 'pending'`.execute(db);
      await sql`create index deliveries_failed on ${sql.table(`${dispatcherSchema}.deliveries`)}
        (subscription_id, id) where status = 'failed'`.execute(db);
      await createPositionsTable(db, dispatcherSchema);
    },
    async down(db: Kysely<unknown>) {
      const s = db.schema.withSchema(dispatcherSchema);
      await s.dropTable('consumer_positions').ifExists().execute();
      await s.dropTable('deliveries').execute();
      await s.dropTable('case_participants').execute();
      await s.dropTable('subscriptions').execute();
    },
  },
};
