import type { KetenEvent } from '@ketenhub/events';
import type pg from 'pg';
import { type KetenhubClient, PublishError } from '../publish';

/**
 * Transactional outbox on the integrator's own PostgreSQL: write the event in the same transaction
 * as the case change it describes, and let a relay publish it. If the hub is unreachable the row
 * simply waits; nothing is lost and nothing is published for a change that rolled back.
 */

/** A `pg` client or pool: anything with `query`. Use the client of your open transaction for enqueue. */
export type Queryable = Pick<pg.ClientBase, 'query'>;

export interface OutboxOptions {
  /** Schema of the outbox table. Default `ketenhub_outbox`. */
  schema?: string;
}

const ident = (name: string) => {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`invalid schema name: ${name}`);
  return name;
};

/** Creates the outbox table when missing. Run once at start (or copy the DDL into your migrations). */
export async function ensureOutbox(db: Queryable, options: OutboxOptions = {}): Promise<void> {
  const s = ident(options.schema ?? 'ketenhub_outbox');
  await db.query(`create schema if not exists ${s}`);
  await db.query(`
    create table if not exists ${s}.events (
      seq bigserial primary key,
      id text not null unique,
      subject text not null,
      event jsonb not null,
      created_at timestamptz not null default now(),
      -- pending until the hub answered 202; rejected when it answered 4xx (kept for inspection)
      status text not null default 'pending' check (status in ('pending', 'sent', 'rejected')),
      sent_at timestamptz,
      attempts integer not null default 0,
      last_error text
    )`);
  await db.query(
    `create index if not exists events_pending_idx on ${s}.events (seq) where status = 'pending'`,
  );
}

/**
 * Adds an event to the outbox. Call it with the client of the transaction that changes your case, so
 * both commit or neither does. Build the event with `client.prepare(input)`: it is validated now,
 * not when the relay sends it.
 */
export async function enqueue(tx: Queryable, event: KetenEvent, options: OutboxOptions = {}): Promise<void> {
  const s = ident(options.schema ?? 'ketenhub_outbox');
  // JSON text, not jsonb-normalised input: the relay sends back exactly what was prepared.
  await tx.query(
    `insert into ${s}.events (id, subject, event) values ($1, $2, $3) on conflict (id) do nothing`,
    [event.id, event.subject, JSON.stringify(event)],
  );
}

export interface RelayOptions extends OutboxOptions {
  /** A pool on the integrator's database (the relay opens its own transactions). */
  pool: pg.Pool;
  client: KetenhubClient;
  /** Rows per round (one batch request). Default 100. */
  batchSize?: number;
  /** Wait when the outbox is empty, in ms. Default 500. */
  pollIntervalMs?: number;
  /** Upper bound of the backoff while the hub is unreachable, in ms. Default 30 000. */
  maxBackoffMs?: number;
  onError?: (error: unknown) => void;
}

export interface Relay {
  /** One round: publishes up to `batchSize` pending rows; returns how many were handled. */
  runOnce(): Promise<number>;
  /** Keeps running rounds until {@link Relay.stop}. */
  start(): void;
  stop(): Promise<void>;
}

/**
 * The relay publishes pending rows in `seq` order and marks them sent.
 *
 * Several relays may run (one per instance of your application): each round locks its rows with
 * `FOR UPDATE SKIP LOCKED`, so no row is sent by two relays at once. Order per chain case is kept by
 * leaving out every row whose chain case has an earlier pending row locked by another relay; that
 * case waits for the next round. While the hub is unreachable (network error, 429, 503 after the
 * client's own retries) the round rolls back and the relay backs off; the rows stay pending and go
 * out, in order and with their original ids, once the hub answers again.
 */
export function createRelay(options: RelayOptions): Relay {
  const s = ident(options.schema ?? 'ketenhub_outbox');
  const batchSize = options.batchSize ?? 100;
  const pollIntervalMs = options.pollIntervalMs ?? 500;
  const maxBackoffMs = options.maxBackoffMs ?? 30_000;
  let running: Promise<void> | undefined;
  let stopping = false;
  let wake: (() => void) | undefined;

  async function runOnce(): Promise<number> {
    const conn = await options.pool.connect();
    try {
      await conn.query('begin');
      const locked = await conn.query<{ seq: string; id: string; subject: string; event: unknown }>(
        `select seq, id, subject, event from ${s}.events where status = 'pending'
         order by seq limit $1 for update skip locked`,
        [batchSize],
      );
      if (locked.rows.length === 0) {
        await conn.query('commit');
        return 0;
      }
      // First locked seq per chain case; a pending row before it belongs to another relay's round.
      const firstSeq = new Map<string, string>();
      for (const r of locked.rows) if (!firstSeq.has(r.subject)) firstSeq.set(r.subject, r.seq);
      const blocked = await conn.query<{ subject: string }>(
        `select distinct e.subject from ${s}.events e
         join unnest($1::text[], $2::bigint[]) as f(subject, seq) on e.subject = f.subject
         where e.status = 'pending' and e.seq < f.seq`,
        [[...firstSeq.keys()], [...firstSeq.values()]],
      );
      const blockedSubjects = new Set(blocked.rows.map((r) => r.subject));
      const rows = locked.rows.filter((r) => !blockedSubjects.has(r.subject));
      if (rows.length === 0) {
        await conn.query('commit');
        return 0;
      }
      const events = rows.map(
        (r) => (typeof r.event === 'string' ? JSON.parse(r.event) : r.event) as KetenEvent,
      );
      // Throws (PublishError retryable, or a network error) when the hub cannot take them now.
      const result = await options.client.publishBatch(events);
      const sent: string[] = [];
      const rejected: { seq: string; error: string }[] = [];
      for (const r of result.results) {
        const row = rows[r.index];
        if (!row) continue;
        if (r.status === 202) sent.push(row.seq);
        else rejected.push({ seq: row.seq, error: JSON.stringify(r.problem ?? { status: r.status }) });
      }
      await conn.query(
        `update ${s}.events set status = 'sent', sent_at = now(), attempts = attempts + 1 where seq = any($1::bigint[])`,
        [sent],
      );
      for (const r of rejected) {
        // The hub refused it for good (4xx): kept as rejected with the problem, never retried blindly.
        await conn.query(
          `update ${s}.events set status = 'rejected', attempts = attempts + 1, last_error = $2 where seq = $1`,
          [r.seq, r.error],
        );
      }
      await conn.query('commit');
      return rows.length;
    } catch (error) {
      await conn.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      conn.release();
    }
  }

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  async function loop() {
    let backoff = pollIntervalMs;
    while (!stopping) {
      try {
        const n = await runOnce();
        backoff = pollIntervalMs;
        if (n === 0) await pause(pollIntervalMs);
      } catch (error) {
        options.onError?.(error);
        if (error instanceof PublishError && !error.retryable) {
          // A whole batch refused (e.g. 401 after a token rotation): wait long, do not hammer.
          backoff = maxBackoffMs;
        } else {
          backoff = Math.min(maxBackoffMs, backoff * 2);
        }
        await pause(backoff);
      }
    }
  }

  return {
    runOnce,
    start() {
      if (running) return;
      stopping = false;
      running = loop().finally(() => {
        running = undefined;
      });
    },
    async stop() {
      stopping = true;
      wake?.();
      await running;
    },
  };
}
