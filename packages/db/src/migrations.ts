import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import { createDatabase, ensureDatabase } from './database';

/**
 * Migrations are code, keyed by a sortable name (`2026-11-28T1200_create_cases`), so each
 * service ships its own and they run on start in name order.
 */
export type Migrations = Record<string, Migration>;

class StaticProvider implements MigrationProvider {
  constructor(private readonly migrations: Migrations) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return this.migrations;
  }
}

export interface MigrateOptions {
  /**
   * The PostgreSQL schema the service owns. Its migration bookkeeping lives there too, so
   * services sharing one database never see each other's migrations.
   */
  schema: string;
}

/**
 * Brings the service's schema to the latest migration. Kysely takes an advisory lock, so
 * several instances starting together migrate once.
 */
export async function migrateToLatest(db: Kysely<unknown>, migrations: Migrations, options: MigrateOptions) {
  await sql`create schema if not exists ${sql.id(options.schema)}`.execute(db);
  const migrator = new Migrator({
    db,
    provider: new StaticProvider(migrations),
    migrationTableSchema: options.schema,
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    const cause = error instanceof Error ? error : new Error(String(error ?? 'migration failed'));
    throw new Error(
      `migration ${failed?.migrationName ?? '?'} of schema ${options.schema} failed: ${cause.message}`,
      {
        cause,
      },
    );
  }
  return (results ?? []).map((r) => r.migrationName);
}

/**
 * A service's database at start: created when missing, a pool opened, the service's schema migrated
 * to the latest version. The first lines of every composition root that owns a schema.
 */
export async function openServiceDatabase<DB>(options: {
  url: string;
  applicationName: string;
  maxConnections?: number;
  migrations: Migrations;
  schema: string;
}): Promise<Kysely<DB>> {
  await ensureDatabase(options.url);
  const db = createDatabase<DB>({
    url: options.url,
    applicationName: options.applicationName,
    ...(options.maxConnections !== undefined ? { maxConnections: options.maxConnections } : {}),
  });
  try {
    await migrateToLatest(db as Kysely<unknown>, options.migrations, { schema: options.schema });
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return db;
}
