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
  '2026-12-03T1200_case_access': {
    async up(db: Kysely<unknown>) {
      const s = db.schema.withSchema(dispatcherSchema);
      const table = (name: string) => sql.table(`${dispatcherSchema}.${name}`);
      // Per chain case, the state of the hub's one access rule (@ketenhub/access) after the events
      // read so far: who takes part in which role and access, invitations, who asked whom.
      await s
        .createTable('case_access')
        .addColumn('case_id', 'uuid', (c) => c.primaryKey())
        .addColumn('state', 'jsonb', (c) => c.notNull())
        .execute();
      // The old participants table followed a different rule (self-joins and refused adds counted)
      // and knew no roles or access levels, so it cannot be converted: the states are rebuilt from
      // the log instead. Each partition read before is read again from its start up to where it
      // stood, folding access events only and queueing nothing (events.consumer.ts), so nothing is
      // delivered twice and the cases that exist already get their participants back.
      await s
        .createTable('access_rebuild')
        .addColumn('group_id', 'text', (c) => c.notNull())
        .addColumn('topic', 'text', (c) => c.notNull())
        .addColumn('partition', 'integer', (c) => c.notNull())
        .addColumn('until_offset', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('access_rebuild_pk', ['group_id', 'topic', 'partition'])
        .execute();
      await sql`insert into ${table('access_rebuild')} (group_id, topic, partition, until_offset)
        select group_id, topic, partition, next_offset from ${table('consumer_positions')}
        where next_offset > 0`.execute(db);
      await sql`update ${table('consumer_positions')} set next_offset = 0, updated_at = now()
        where next_offset > 0`.execute(db);
      await s.dropTable('case_participants').execute();
      // The roles of the subscribing system, from the registry's record; null: a record of an older
      // registry, which gets nothing delivered until the registry publishes its roles.
      await s.alterTable('subscriptions').addColumn('roles', sql`text[]`).execute();
    },
    async down(db: Kysely<unknown>) {
      const s = db.schema.withSchema(dispatcherSchema);
      await s.alterTable('subscriptions').dropColumn('roles').execute();
      await s
        .createTable('case_participants')
        .addColumn('case_id', 'text', (c) => c.notNull())
        .addColumn('oin', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('case_participants_pk', ['case_id', 'oin'])
        .execute();
      await s.dropTable('access_rebuild').execute();
      await s.dropTable('case_access').execute();
    },
  },
};
