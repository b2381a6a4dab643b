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
};
