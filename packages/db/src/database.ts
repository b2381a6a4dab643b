import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';

// int8 (bigint) columns hold Kafka offsets and counters; pg returns them as strings by default,
// which is what we want for offsets. COUNT(*) also comes back as int8: callers convert with Number().

export interface DatabaseOptions {
  /** postgres://user@host:port/db */
  url: string;
  /** Pool size; PostgreSQL on a small machine prefers few connections. */
  maxConnections?: number;
  /** Names the connections in pg_stat_activity. */
  applicationName?: string;
}

/** The pg pool behind each instance made by {@link createDatabase} (for {@link withConnection}). */
const pools = new WeakMap<object, pg.Pool>();

/** A kysely instance over a pg pool. Close with `db.destroy()`. */
export function createDatabase<DB>(options: DatabaseOptions): Kysely<DB> {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 10,
    application_name: options.applicationName ?? 'ketenhub',
    // A broken connection must surface as an error, not hang a request forever.
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its connection (PostgreSQL restart) emits 'error' on the pool; without
  // a listener Node would crash the process. The next query gets a fresh connection.
  pool.on('error', () => undefined);
  // The same for a client that is checked out (in a transaction, or held by withConnection) when
  // its connection dies (PostgreSQL restarted, the backend terminated): pg emits 'error' on the
  // client, which the pool only listens to while it is idle. The failure reaches the caller through
  // its next query instead, and the pool drops the client on release (it is no longer queryable).
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  pools.set(db, pool);
  return db;
}

/**
 * Runs `fn` on one pooled connection: a kysely instance bound to it (so `transaction()` runs there)
 * and the raw pg client of that same connection, for what kysely cannot send, like COPY FROM STDIN.
 * For a kysely instance not made by {@link createDatabase}, `fn` gets that instance and no client.
 */
export async function withConnection<T>(
  db: Kysely<unknown>,
  fn: (connection: Kysely<unknown>, client: pg.PoolClient | null) => Promise<T>,
): Promise<T> {
  const pool = pools.get(db);
  if (!pool) return fn(db, null);
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    const bound = new Kysely<unknown>({
      dialect: new PostgresDialect({
        pool: {
          connect: async () => ({
            query: client.query.bind(client) as never,
            release: () => undefined,
          }),
          end: async () => undefined,
        },
      }),
    });
    return await fn(bound, client);
  } catch (error) {
    if (!leavesConnectionUsable(error)) broken = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    client.release(broken);
  }
}

/**
 * Whether a connection that threw `error` may go back to the pool. A server error (it carries a
 * SQLSTATE) leaves the connection usable, unless it ended the session: severity FATAL or PANIC,
 * class 08 (connection exception) or 57P (the backend was terminated or the server is shutting
 * down). Such a connection is closed by the server right after the error; released as healthy, it
 * could be handed to the next caller before its end was noticed, and fail that caller's work too.
 * Anything without a SQLSTATE (a socket error, a timeout) may have left it in any state.
 */
export function leavesConnectionUsable(error: unknown): boolean {
  if (!(error instanceof Error) || !('code' in error)) return false;
  const { code } = error as { code?: unknown };
  if (typeof code !== 'string' || code.length !== 5) return false;
  const severity = (error as { severity?: unknown }).severity;
  if (severity === 'FATAL' || severity === 'PANIC') return false;
  return !code.startsWith('08') && !code.startsWith('57P');
}

/** The same server, database `postgres`: where CREATE/DROP DATABASE are issued from. */
export function maintenanceUrl(url: string): string {
  const u = new URL(url);
  u.pathname = '/postgres';
  return u.toString();
}

export function databaseName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!name) throw new Error(`DATABASE_URL names no database: ${redactUrl(url)}`);
  return name;
}

/** For logs: drops the password. */
export function redactUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * Creates the database named in `url` when it does not exist yet, so a fresh machine needs no
 * manual `createdb`. Safe to run from several processes at once.
 */
export async function ensureDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  const client = new pg.Client({ connectionString: maintenanceUrl(url), connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount === 0) {
      try {
        await client.query(`create database ${quoteIdent(name)}`);
      } catch (error) {
        // 42P04 duplicate_database, 23505 unique_violation: another process created it first.
        const code = (error as { code?: string }).code;
        if (code !== '42P04' && code !== '23505') throw error;
      }
    }
  } finally {
    await client.end();
  }
}

/** Drops a database, ending other sessions on it first (tests only; PostgreSQL 13+). */
export async function dropDatabase(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: maintenanceUrl(url), connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query(`drop database if exists ${quoteIdent(databaseName(url))} with (force)`);
  } finally {
    await client.end();
  }
}

/** True when a trivial query answers; for readiness probes. */
export async function isDatabaseReachable(db: Kysely<unknown>): Promise<boolean> {
  try {
    await sql`select 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}
