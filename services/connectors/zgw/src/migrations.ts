import type { Migrations } from '@ketenhub/db';
import { type Kysely, sql } from 'kysely';

/** The connector's own schema; it reads and writes no table of the hub's services. */
export const connectorSchema = 'connector_zgw';

export const connectorMigrations: Migrations = {
  '2026-12-12T1000_create_intake': {
    async up(db: Kysely<unknown>) {
      const s = db.schema.withSchema(connectorSchema);
      await s
        .createTable('notificaties')
        .addColumn('id', 'bigserial', (c) => c.primaryKey())
        .addColumn('bron', 'text', (c) => c.notNull())
        .addColumn('kanaal', 'text', (c) => c.notNull())
        .addColumn('resource', 'text', (c) => c.notNull())
        .addColumn('actie', 'text', (c) => c.notNull())
        .addColumn('hoofd_object', 'text', (c) => c.notNull())
        .addColumn('resource_url', 'text', (c) => c.notNull())
        // As sent: a re-sent notification is byte-for-byte the same, so the raw text is its identity.
        .addColumn('aanmaakdatum', 'text', (c) => c.notNull())
        .addColumn('kenmerken', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
        .addColumn('zaak_url', 'text')
        .addColumn('status', 'text', (c) =>
          c
            .notNull()
            .defaultTo('nieuw')
            .check(sql`status in ('nieuw', 'verwerkt', 'genegeerd', 'onverwerkt', 'geweigerd', 'wacht')`),
        )
        .addColumn('reden', 'text')
        .addColumn('detail', 'text')
        .addColumn('problem', 'jsonb')
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('claimed_until', 'timestamptz')
        .addColumn('last_error', 'text')
        .addColumn('ontvangen_op', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('afgehandeld_op', 'timestamptz')
        .addUniqueConstraint('notificaties_identity', [
          'bron',
          'kanaal',
          'resource_url',
          'actie',
          'aanmaakdatum',
        ])
        .execute();
      await sql`create index notificaties_due_idx on ${sql.table(`${connectorSchema}.notificaties`)}
        (next_attempt_at, id) where status = 'nieuw'`.execute(db);
      await sql`create index notificaties_hoofd_object_idx on ${sql.table(`${connectorSchema}.notificaties`)}
        (bron, hoofd_object, id) where status = 'nieuw'`.execute(db);
      await sql`create index notificaties_zaak_idx on ${sql.table(`${connectorSchema}.notificaties`)}
        (bron, zaak_url) where zaak_url is not null`.execute(db);
      await sql`create index notificaties_aandacht_idx on ${sql.table(`${connectorSchema}.notificaties`)}
        (status, id) where status in ('onverwerkt', 'geweigerd', 'wacht')`.execute(db);

      await s
        .createTable('koppelingen')
        .addColumn('bron', 'text', (c) => c.notNull())
        .addColumn('zaak_url', 'text', (c) => c.notNull())
        .addColumn('ketenzaak_id', 'uuid', (c) => c.notNull())
        .addColumn('herkomst', 'text', (c) =>
          c
            .notNull()
            .check(sql`herkomst in ('integrator', 'zaaktype', 'kenmerk', 'hoofdzaak', 'relevante-zaak')`),
        )
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint('koppelingen_pk', ['bron', 'zaak_url'])
        .execute();

      await s
        .createTable('outbox')
        .addColumn('seq', 'bigserial', (c) => c.primaryKey())
        .addColumn('event_id', 'uuid', (c) => c.notNull().unique())
        .addColumn('bron', 'text', (c) => c.notNull())
        .addColumn('subject', 'uuid', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        // JSON text, not jsonb: the relay sends exactly the bytes that were prepared.
        .addColumn('event', 'text', (c) => c.notNull())
        .addColumn('notificatie_id', 'bigint', (c) =>
          c.notNull().references(`${connectorSchema}.notificaties.id`).onDelete('cascade'),
        )
        .addColumn('status', 'text', (c) =>
          c.notNull().defaultTo('pending').check(sql`status in ('pending', 'sent', 'rejected')`),
        )
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('problem', 'jsonb')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('sent_at', 'timestamptz')
        .execute();
      await sql`create index outbox_pending_idx on ${sql.table(`${connectorSchema}.outbox`)}
        (bron, seq) where status = 'pending'`.execute(db);
      await sql`create index outbox_subject_pending_idx on ${sql.table(`${connectorSchema}.outbox`)}
        (subject, seq) where status = 'pending'`.execute(db);
      await sql`create index outbox_notificatie_idx on ${sql.table(`${connectorSchema}.outbox`)}
        (notificatie_id)`.execute(db);
    },
    async down(db: Kysely<unknown>) {
      const s = db.schema.withSchema(connectorSchema);
      await s.dropTable('outbox').execute();
      await s.dropTable('koppelingen').execute();
      await s.dropTable('notificaties').execute();
    },
  },
};
