import type { Migrations } from '@ketenhub/db';
import { type Kysely, sql } from 'kysely';

/** The registry's own schema in the hub database; no other service reads it (ARCHITECTURE.md). */
export const registrySchema = 'registry';

export const registryMigrations: Migrations = {
  '2026-11-28T1400_create_systems': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .withSchema(registrySchema)
        .createTable('systems')
        .addColumn('id', 'uuid', (c) => c.primaryKey())
        .addColumn('oin', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('roles', sql`text[]`, (c) => c.notNull())
        .addColumn('domains', sql`text[]`, (c) => c.notNull())
        .addColumn('publishes', sql`text[]`, (c) => c.notNull())
        .addColumn('consumes', sql`text[]`, (c) => c.notNull())
        .addColumn('kafka_native', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('token_sha256', 'text', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('revoked_at', 'timestamptz')
        // One source URN per system: two rows with the same OIN and name would share a source.
        .addUniqueConstraint('systems_oin_name_unique', ['oin', 'name'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.withSchema(registrySchema).dropTable('systems').execute();
    },
  },
  '2026-11-29T1000_create_subscriptions': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .withSchema(registrySchema)
        .createTable('subscriptions')
        .addColumn('id', 'uuid', (c) => c.primaryKey())
        .addColumn('system_id', 'uuid', (c) => c.notNull().references('systems.id'))
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('types', sql`text[]`, (c) => c.notNull())
        .addColumn('status', 'text', (c) =>
          c.notNull().defaultTo('active').check(sql`status in ('active', 'paused', 'deleted')`),
        )
        // No secret column on purpose: secrets are derived from the master key (deriveSigningSecret in packages/service).
        .addColumn('secret_version', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('previous_secret_valid_until', 'timestamptz')
        .addColumn('revision', 'bigint', (c) => c.notNull().defaultTo(1))
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema
        .withSchema(registrySchema)
        .createIndex('subscriptions_system_idx')
        .on('subscriptions')
        .column('system_id')
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.withSchema(registrySchema).dropTable('subscriptions').execute();
    },
  },
  '2026-12-03T1200_subscription_roles': {
    // Nothing changes in the table: subscription records now carry the system's roles (state-topic.ts),
    // and the records already on the topic do not. Raising every revision once makes the records
    // republished on start (index.ts) newer than those, so every dispatcher keeps the ones with roles;
    // at an equal revision its table keeps the first it read. Should the registry stop between this
    // migration and the republish, the next start republishes.
    async up(db: Kysely<unknown>) {
      await sql`update ${sql.table(`${registrySchema}.subscriptions`)}
        set revision = revision + 1`.execute(db);
    },
    async down() {},
  },
  '2026-12-10T1000_subscription_handshake': {
    // The receiver's WebHook-Allowed-Rate from the CloudEvents handshake (subscriptions made before
    // have none: no throttle) and the backfill asked for at creation.
    async up(db: Kysely<unknown>) {
      await db.schema
        .withSchema(registrySchema)
        .alterTable('subscriptions')
        .addColumn('allowed_rate', 'integer')
        .addColumn('backfill', 'jsonb')
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema
        .withSchema(registrySchema)
        .alterTable('subscriptions')
        .dropColumn('allowed_rate')
        .dropColumn('backfill')
        .execute();
    },
  },
  '2026-12-11T1000_subscription_format': {
    // ZGW-format subscriptions (issue 14): the body a receiver gets (`cloudevents`, every subscription
    // made before, or `zgw`: a Notificaties API 1.0 body), the Authorization value it registered,
    // sealed (AES-256-GCM, sealWebhookAuth in packages/service: it is sent back, so it can be neither
    // derived nor hashed), and the abonnement's kanalen with their filters as it gave them.
    async up(db: Kysely<unknown>) {
      await db.schema
        .withSchema(registrySchema)
        .alterTable('subscriptions')
        .addColumn('format', 'text', (c) => c.notNull().defaultTo('cloudevents'))
        .addColumn('auth_sealed', 'text')
        .addColumn('kanalen', 'jsonb')
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema
        .withSchema(registrySchema)
        .alterTable('subscriptions')
        .dropColumn('format')
        .dropColumn('auth_sealed')
        .dropColumn('kanalen')
        .execute();
    },
  },
};
