import { createPositionsTable, type Migrations } from '@ketenhub/db';
import { type Kysely, sql } from 'kysely';
import { RECEIVED_KEY_SQL } from './ingest/accept/received.table';

/** The gateway's own schema in the hub database; no other service reads it. */
export const gatewaySchema = 'gateway';

export const gatewayMigrations: Migrations = {
  '2026-11-28T1410_create_gateway': {
    async up(db: Kysely<unknown>) {
      const s = db.schema.withSchema(gatewaySchema);
      // Idempotency by source + id (CloudEvents uniqueness) with a hash of the content, so a re-sent
      // event gets the first answer and a different event under a used id gets 409.
      await s
        .createTable('received')
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('content_sha256', 'text', (c) => c.notNull())
        // false until Kafka confirmed the write: a row left false (crash, timeout) is published
        // again when the same event is re-sent.
        .addColumn('accepted', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint('received_pk', ['source', 'id'])
        .execute();
      // What the gateway needs of each chain case: its domain (the topic of nl.ketens.* events)
      // and its participants (who may publish on it). Built from the domain topics and from what
      // this gateway accepted itself.
      await s
        .createTable('cases')
        .addColumn('case_id', 'uuid', (c) => c.primaryKey())
        .addColumn('domain', 'text', (c) => c.notNull())
        .addColumn('opened_by', 'text', (c) => c.notNull())
        .addColumn('opened_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await s
        .createTable('case_participants')
        .addColumn('case_id', 'uuid', (c) => c.notNull())
        .addColumn('oin', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('case_participants_pk', ['case_id', 'oin'])
        .execute();
      await createPositionsTable(db, gatewaySchema);
    },
    async down(db: Kysely<unknown>) {
      const s = db.schema.withSchema(gatewaySchema);
      await s.dropTable('consumer_positions').ifExists().execute();
      await s.dropTable('case_participants').execute();
      await s.dropTable('cases').execute();
      await s.dropTable('received').execute();
    },
  },
  '2026-11-28T1900_publish_attempts': {
    async up(db: Kysely<unknown>) {
      const s = db.schema.withSchema(gatewaySchema);
      // Confirming a flush used to update each of its rows (`accepted = true`): a second write of
      // every row and its index entry. Now each row names the publish attempt that wrote it, and a
      // confirmed attempt is one row in `published`. Rows confirmed before keep `accepted`.
      await s.alterTable('received').addColumn('attempt', 'uuid').execute();
      await s
        .createTable('published')
        .addColumn('attempt', 'uuid', (c) => c.primaryKey())
        .addColumn('confirmed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
    },
    async down(db: Kysely<unknown>) {
      const s = db.schema.withSchema(gatewaySchema);
      await s.dropTable('published').execute();
      await s.alterTable('received').dropColumn('attempt').execute();
    },
  },
  '2026-11-29T0200_received_key': {
    async up(db: Kysely<unknown>) {
      // A 16-byte digest of (source, id) as the primary key instead of the two text columns; see
      // receivedKey() for why. Existing rows get it here, new ones from the gateway. This rewrites
      // the table under its lock (about 19 s per million rows) and older gateways cannot insert
      // into it afterwards: the README's "Upgrading" says how to deploy across it.
      await sql`alter table gateway.received add column key uuid`.execute(db);
      await sql`update gateway.received set key = ${sql.raw(RECEIVED_KEY_SQL)}`.execute(db);
      await sql`alter table gateway.received alter column key set not null`.execute(db);
      await sql`alter table gateway.received drop constraint received_pk`.execute(db);
      await sql`alter table gateway.received add constraint received_pk primary key (key)`.execute(db);
    },
    async down(db: Kysely<unknown>) {
      await sql`alter table gateway.received drop constraint received_pk`.execute(db);
      await sql`alter table gateway.received add constraint received_pk primary key (source, id)`.execute(db);
      await sql`alter table gateway.received drop column key`.execute(db);
    },
  },
  '2026-12-03T1200_case_access_events': {
    async up(db: Kysely<unknown>) {
      // Issue 12: who may publish on a chain case is the fold of its access events in log order
      // (@ketenhub/access), no longer a participants list the gateway kept by its own rule (which let
      // any organisation join itself). The old tables cannot be converted: their rows do not say who
      // granted a participation, and the self-joins among them must grant nothing.
      const s = db.schema.withSchema(gatewaySchema);
      await s
        .createTable('case_access_events')
        .addColumn('case_id', 'uuid', (c) => c.notNull())
        .addColumn('key', 'uuid', (c) => c.notNull())
        .addColumn('kafka_offset', 'bigint')
        .addColumn('seq', 'bigserial', (c) => c.notNull())
        .addColumn('event', 'jsonb', (c) => c.notNull())
        .addPrimaryKeyConstraint('case_access_events_pk', ['case_id', 'key'])
        .execute();
      await s.dropTable('case_participants').execute();
      await s.dropTable('cases').execute();
      // The table is refilled from the log by the cases consumer under a new group name
      // (`<prefix>gateway-access`, src/service.ts): a group Kafka has no committed offsets for, so it
      // reads every domain topic from its beginning. Deleting the old group's stored positions alone
      // would not do: without them the consumer resumes at the offsets it committed to Kafka. They
      // are deleted because nothing reads them any more.
      await sql`delete from gateway.consumer_positions where group_id like '%gateway-cases'`.execute(db);
    },
    async down(db: Kysely<unknown>) {
      // The old tables come back empty; the old cases consumer resumes at its Kafka offsets and does
      // not refill them, so an older gateway answers 422 for cases opened before: downgrade only
      // with that in mind.
      const s = db.schema.withSchema(gatewaySchema);
      await s
        .createTable('cases')
        .addColumn('case_id', 'uuid', (c) => c.primaryKey())
        .addColumn('domain', 'text', (c) => c.notNull())
        .addColumn('opened_by', 'text', (c) => c.notNull())
        .addColumn('opened_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await s
        .createTable('case_participants')
        .addColumn('case_id', 'uuid', (c) => c.notNull())
        .addColumn('oin', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('case_participants_pk', ['case_id', 'oin'])
        .execute();
      await s.dropTable('case_access_events').execute();
    },
  },
};
