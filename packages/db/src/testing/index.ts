import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { dropDatabase, ensureDatabase, maintenanceUrl } from '../database';

export type PostgresSource = 'env' | 'testcontainers' | 'local';

export interface ProvisionedPostgres {
  /** A URL on the server; test databases are created next to it. */
  url: string;
  source: PostgresSource;
  stop(): Promise<void>;
}

export const localPostgresUrl = 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Gives the test run a real PostgreSQL: `DATABASE_URL` when set, else a Testcontainers
 * PostgreSQL when a Docker engine answers, else the machine's server on 127.0.0.1:5432.
 */
export async function provisionPostgres(): Promise<ProvisionedPostgres> {
  const fromEnv = process.env.DATABASE_URL;
  if (fromEnv) return { url: fromEnv, source: 'env', stop: async () => undefined };
  if (process.env.KETENHUB_TESTCONTAINERS !== 'off') {
    try {
      const { getContainerRuntimeClient } = await import('testcontainers');
      await getContainerRuntimeClient();
      const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
      const container = await new PostgreSqlContainer('postgres:17-alpine').start();
      return {
        url: container.getConnectionUri(),
        source: 'testcontainers',
        stop: async () => void (await container.stop()),
      };
    } catch {
      // No container runtime: fall through to the local server.
    }
  }
  const client = new pg.Client({ connectionString: localPostgresUrl, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `no PostgreSQL: set DATABASE_URL, start Docker, or run one on 127.0.0.1:5432 (${String(error)})`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
  return { url: localPostgresUrl, source: 'local', stop: async () => undefined };
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A new, empty database on the same server as `serverUrl`, for one test file. */
export async function createTestDatabase(serverUrl: string, label = 'test'): Promise<TestDatabase> {
  const name = `kh_${label
    .replace(/[^a-z0-9]/gi, '')
    .toLowerCase()
    .slice(0, 20)}_${randomBytes(4).toString('hex')}`;
  const u = new URL(maintenanceUrl(serverUrl));
  u.pathname = `/${name}`;
  const url = u.toString();
  await ensureDatabase(url);
  return { url, name, drop: () => dropDatabase(url) };
}
