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
  '2026-12-10T1000_recovery': {
    async up(db: Kysely<unknown>) {
      const s = db.schema.withSchema(dispatcherSchema);
      const table = (name: string) => sql.table(`${dispatcherSchema}.${name}`);
      // Where each delivery's event is in the log. The sender sends a (subscription, case)'s pending
      // rows in log order whatever queued them (live fan-out, a replay, a backfill), so a replay
      // that queues older events after live ones still delivers them first. Rows queued before this
      // migration get -1: they were queued in log order and are older than anything queued after.
      await s
        .alterTable('deliveries')
        .addColumn('log_topic', 'text')
        .addColumn('log_partition', 'integer')
        .addColumn('log_offset', 'bigint', (c) => c.notNull().defaultTo(-1))
        .addColumn('replay_id', 'uuid')
        .execute();
      await sql`alter table ${table('deliveries')} drop constraint if exists deliveries_status_check`.execute(
        db,
      );
      // `cancelled`: queued by a replay the operator cancelled before it went out.
      await sql`alter table ${table('deliveries')} add constraint deliveries_status_check
        check (status in ('pending', 'delivered', 'failed', 'cancelled'))`.execute(db);
      await sql`drop index ${sql.table(`${dispatcherSchema}.deliveries_pending_case`)}`.execute(db);
      await sql`create index deliveries_pending_case on ${table('deliveries')}
        (subscription_id, case_id, log_offset, id) where status = 'pending'`.execute(db);
      await sql`create index deliveries_replay on ${table('deliveries')} (replay_id)
        where replay_id is not null`.execute(db);

      // From the registry's record: the receiver's WebHook-Allowed-Rate (requests per minute; null:
      // no limit) and the backfill asked for when the subscription was made.
      await s
        .alterTable('subscriptions')
        .addColumn('allowed_rate', 'integer')
        .addColumn('backfill', 'jsonb')
        .execute();

      // Every access event of every case with its place in the log: the access state of a case
      // before any offset is the fold of its rows below that offset, which is what a replay needs
      // to judge each event of its window as of that event.
      await s
        .createTable('case_access_events')
        .addColumn('topic', 'text', (c) => c.notNull())
        .addColumn('partition', 'integer', (c) => c.notNull())
        .addColumn('kafka_offset', 'bigint', (c) => c.notNull())
        .addColumn('case_id', 'uuid', (c) => c.notNull())
        // The record value: jsonb cannot hold every string an event may carry (U+0000).
        .addColumn('value', 'bytea', (c) => c.notNull())
        .addPrimaryKeyConstraint('case_access_events_pk', ['topic', 'partition', 'kafka_offset'])
        .execute();
      await sql`create index case_access_events_case on ${table('case_access_events')}
        (case_id, topic, partition, kafka_offset)`.execute(db);

      // Replays, backfills and the history fill below: jobs over windows of the log, run by one
      // instance at a time under a lease, their progress stored with their effects.
      await s
        .createTable('replays')
        .addColumn('id', 'uuid', (c) => c.primaryKey())
        .addColumn('subscription_id', 'uuid')
        .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('replay', 'backfill', 'history')`))
        .addColumn('origin', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) =>
          c.notNull().check(sql`status in ('running', 'done', 'cancelled', 'failed')`),
        )
        .addColumn('phase', 'text')
        .addColumn('request', 'jsonb', (c) => c.notNull())
        .addColumn('matched', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('queued', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('error', 'text')
        .addColumn('lease_owner', 'text')
        .addColumn('lease_until', 'timestamptz')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('finished_at', 'timestamptz')
        .execute();
      await sql`create index replays_subscription on ${table('replays')} (subscription_id, created_at)`.execute(
        db,
      );
      await sql`create index replays_running on ${table('replays')} (lease_until) where status = 'running'`.execute(
        db,
      );
      // A backfill the registry asked for is started once, by whichever instance reads the record first.
      await sql`create unique index replays_registry_backfill on ${table('replays')} (subscription_id)
        where origin = 'registry'`.execute(db);
      await s
        .createTable('replay_partitions')
        .addColumn('replay_id', 'uuid', (c) =>
          c.notNull().references(`${dispatcherSchema}.replays.id`).onDelete('cascade'),
        )
        .addColumn('subscription_id', 'uuid')
        .addColumn('topic', 'text', (c) => c.notNull())
        .addColumn('partition', 'integer', (c) => c.notNull())
        // Deliveries are queued from start_offset; a backfill reads from 0 (positions in the case).
        .addColumn('start_offset', 'bigint', (c) => c.notNull())
        .addColumn('end_offset', 'bigint', (c) => c.notNull())
        .addColumn('next_offset', 'bigint', (c) => c.notNull())
        .addColumn('cases', sql`text[]`)
        .addPrimaryKeyConstraint('replay_partitions_pk', ['replay_id', 'topic', 'partition'])
        .execute();
      await sql`create index replay_partitions_barrier on ${table('replay_partitions')}
        (subscription_id, topic, partition) where next_offset < end_offset`.execute(db);

      // The access events read before this migration are not in case_access_events: a history job
      // reads each partition up to its stored position once, beside live delivery (which goes on).
      // Replays whose window needs a partition it has not finished are refused until it has.
      const positions = await sql<{ topic: string; partition: number; next_offset: string }>`
        select topic, partition, next_offset from ${table('consumer_positions')} where next_offset > 0`.execute(
        db,
      );
      if (positions.rows.length > 0) {
        const id = sql`gen_random_uuid()`;
        const job = await sql<{ id: string }>`
          insert into ${table('replays')} (id, kind, origin, status, phase, request)
          values (${id}, 'history', 'upgrade', 'running', 'reading', '{}'::jsonb) returning id`.execute(db);
        const jobId = job.rows[0]?.id;
        for (const p of positions.rows) {
          await sql`insert into ${table('replay_partitions')}
            (replay_id, topic, partition, start_offset, end_offset, next_offset)
            values (${jobId}, ${p.topic}, ${p.partition}, 0, ${p.next_offset}, 0)
            on conflict do nothing`.execute(db);
        }
      }
    },
    async down(db: Kysely<unknown>) {
      const s = db.schema.withSchema(dispatcherSchema);
      const table = (name: string) => sql.table(`${dispatcherSchema}.${name}`);
      await s.dropTable('replay_partitions').execute();
      await s.dropTable('replays').execute();
      await s.dropTable('case_access_events').execute();
      await s.alterTable('subscriptions').dropColumn('allowed_rate').dropColumn('backfill').execute();
      await sql`delete from ${table('deliveries')} where status = 'cancelled'`.execute(db);
      await sql`alter table ${table('deliveries')} drop constraint deliveries_status_check`.execute(db);
      await sql`alter table ${table('deliveries')} add constraint deliveries_status_check
        check (status in ('pending', 'delivered', 'failed'))`.execute(db);
      await sql`drop index ${sql.table(`${dispatcherSchema}.deliveries_pending_case`)}`.execute(db);
      await sql`drop index ${sql.table(`${dispatcherSchema}.deliveries_replay`)}`.execute(db);
      await s
        .alterTable('deliveries')
        .dropColumn('log_topic')
        .dropColumn('log_partition')
        .dropColumn('log_offset')
        .dropColumn('replay_id')
        .execute();
      await sql`create index deliveries_pending_case on ${table('deliveries')}
        (subscription_id, case_id, id) where status = 'pending'`.execute(db);
    },
  },
  '2026-12-10T1300_waiting_for_head': {
    async up(db: Kysely<unknown>) {
      // Rows a claim found behind their case's head are set aside until the head leaves the queue
      // (outbox.claimDue): the claim then looks at each subscription's first due rows only.
      await db.schema
        .withSchema(dispatcherSchema)
        .alterTable('deliveries')
        .addColumn('waiting_for_head', 'boolean', (c) => c.notNull().defaultTo(false))
        .execute();
      await sql`drop index if exists ${sql.table(`${dispatcherSchema}.deliveries_pending_due`)}`.execute(db);
      await sql`create index deliveries_pending_due on ${sql.table(`${dispatcherSchema}.deliveries`)}
        (subscription_id, next_attempt_at, id) where status = 'pending'`.execute(db);
    },
    async down(db: Kysely<unknown>) {
      await sql`drop index ${sql.table(`${dispatcherSchema}.deliveries_pending_due`)}`.execute(db);
      await sql`create index deliveries_pending_due on ${sql.table(`${dispatcherSchema}.deliveries`)}
        (next_attempt_at, id) where status = 'pending'`.execute(db);
      await db.schema
        .withSchema(dispatcherSchema)
        .alterTable('deliveries')
        .dropColumn('waiting_for_head')
        .execute();
    },
  },
  '2026-12-11T1000_subscription_format': {
    // ZGW-format subscriptions (issue 14), from the registry's records: the body format, the sealed
    // Authorization value, the abonnement's kanalen and filters.
    async up(db: Kysely<unknown>) {
      await db.schema
        .withSchema(dispatcherSchema)
        .alterTable('subscriptions')
        .addColumn('format', 'text', (c) => c.notNull().defaultTo('cloudevents'))
        .addColumn('auth_sealed', 'text')
        .addColumn('kanalen', 'jsonb')
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema
        .withSchema(dispatcherSchema)
        .alterTable('subscriptions')
        .dropColumn('format')
        .dropColumn('auth_sealed')
        .dropColumn('kanalen')
        .execute();
    },
  },
};
