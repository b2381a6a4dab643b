import { randomUUID } from 'node:crypto';
import { migrateToLatest } from '@ketenhub/db';
import { describe, expect, test } from '@ketenhub/testkit';
import { type Kysely, sql } from 'kysely';
import { dispatcherMigrations, dispatcherSchema } from '../migrations';
import {
  type ClaimedDelivery,
  claimDue,
  type NewDelivery,
  purgeDelivered,
  queueDeliveries,
  type SettledAttempt,
  settleMany,
} from './outbox';

/** An active subscription row as the subscriptions consumer writes it. */
const insertSubscription = (db: Kysely<unknown>, id: string) =>
  sql`insert into dispatcher.subscriptions (id, system_id, oin, url, types, roles, status,
      system_revoked, secret_version, revision, format)
    values (${id}, ${randomUUID()}, '00000001001234567000', 'http://127.0.0.1:1/hook',
      ${['nl.wmo.melding-ontvangen']}, ${['gemeente']}, 'active', false, 1, 1, 'cloudevents')`.execute(db);

/** A delivery of a test event at `offset` of partition wmo:0. */
const delivery = (subscriptionId: string, caseId: string, eventId: string, offset: number): NewDelivery => ({
  subscriptionId,
  caseId,
  eventSource: 'urn:nld:oin:00000001001234567000:systeem:test',
  eventId,
  eventType: 'nl.wmo.melding-ontvangen',
  body: Buffer.from('{}'),
  traceparent: null,
  logTopic: 'wmo',
  logPartition: 0,
  logOffset: String(offset),
});

describe('outbox retention', () => {
  test('deletes delivered rows past the retention in chunks, never pending or failed ones', async ({
    testDb,
  }) => {
    await migrateToLatest(testDb.db, dispatcherMigrations, { schema: dispatcherSchema });
    const subscription = randomUUID();
    const row = (status: string, deliveredDaysAgo: number | null) => sql`
      insert into dispatcher.deliveries (subscription_id, case_id, event_source, event_id, event_type, body, status, delivered_at)
      values (${subscription}, ${randomUUID()}, 'urn:nld:oin:00000001001234567000:systeem:test', ${randomUUID()},
        'nl.wmo.melding-ontvangen', ${Buffer.from('{}')}, ${status},
        ${deliveredDaysAgo === null ? null : sql`now() - ${deliveredDaysAgo} * interval '1 day'`})`;
    for (let i = 0; i < 5; i++) await row('delivered', 10).execute(testDb.db);
    await row('delivered', 1).execute(testDb.db);
    await row('pending', null).execute(testDb.db);
    await row('failed', null).execute(testDb.db);

    const week = 7 * 24 * 60 * 60 * 1000;
    expect(await purgeDelivered(testDb.db as never, week, 3)).toBe(3);
    expect(await purgeDelivered(testDb.db as never, week, 3)).toBe(2);
    expect(await purgeDelivered(testDb.db as never, week, 3)).toBe(0);
    const left = await sql<{ status: string; n: number }>`
      select status, count(*)::int as n from dispatcher.deliveries group by status order by status`.execute(
      testDb.db,
    );
    expect(left.rows).toEqual([
      { status: 'delivered', n: 1 },
      { status: 'failed', n: 1 },
      { status: 'pending', n: 1 },
    ]);
  });
});

describe('claim runs', () => {
  test('a head comes with the rows after it in its case, in log order; a run stops before a row locked elsewhere or behind a replay barrier', async ({
    testDb,
  }) => {
    await migrateToLatest(testDb.db, dispatcherMigrations, { schema: dispatcherSchema });
    const db = testDb.db as never as Parameters<typeof claimDue>[0];
    const subscription = randomUUID();
    await insertSubscription(testDb.db, subscription);
    const caseA = randomUUID();
    const caseB = randomUUID();
    // Queued out of log order (a replay queues older events later): the run follows the log.
    const queue = (caseId: string, offsets: number[]) =>
      queueDeliveries(
        db,
        offsets.map((o) => delivery(subscription, caseId, `${caseId}-${o}`, o)),
      );
    await queue(caseA, [30, 10, 20, 50, 40]);
    await queue(caseB, [11, 12, 13]);
    const offsetsOf = (runs: ClaimedDelivery[][]) =>
      runs.map((run) => run.map((d) => Number(d.eventId.split('-').pop())));
    const release = async () => {
      await sql`update dispatcher.deliveries set next_attempt_at = now() - interval '1 second',
        waiting_for_head = false`.execute(testDb.db);
    };

    // One claim, one slot per case: each case's rows as a run of up to 3, head first.
    const first = await claimDue(db, 10, 60_000, undefined, 3);
    expect(offsetsOf(first).sort((a, b) => (a[0] as number) - (b[0] as number))).toEqual([
      [10, 20, 30],
      [11, 12, 13],
    ]);
    // Leased: nothing of them is claimed again, and rows 40 and 50 wait behind the run's rows.
    expect(await claimDue(db, 10, 60_000, undefined, 3)).toEqual([]);

    // A row in the middle locked by another transaction (another instance's settlement): the run
    // ends before it rather than skip it.
    await release();
    await sql`update dispatcher.deliveries set status = 'delivered' where event_id = ${`${caseA}-10`}`.execute(
      testDb.db,
    );
    await testDb.db.transaction().execute(async (trx) => {
      await sql`select id from dispatcher.deliveries where event_id = ${`${caseA}-30`} for update`.execute(
        trx,
      );
      const other = await claimDue(db, 10, 60_000, undefined, 4);
      expect(offsetsOf(other).find((r) => r[0] === 20)).toEqual([20]);
    });

    // A running replay that has not scanned past offset 40 yet holds 40 and 50 back.
    await release();
    const replay = randomUUID();
    await sql`insert into dispatcher.replays (id, subscription_id, kind, origin, status, request)
      values (${replay}, ${subscription}, 'replay', 'operator', 'running', '{}'::jsonb)`.execute(testDb.db);
    await sql`insert into dispatcher.replay_partitions (replay_id, subscription_id, topic, partition,
        start_offset, end_offset, next_offset)
      values (${replay}, ${subscription}, 'wmo', 0, 0, 100, 40)`.execute(testDb.db);
    const barred = await claimDue(db, 10, 60_000, undefined, 8);
    expect(offsetsOf(barred).find((r) => r[0] === 20)).toEqual([20, 30]);

    // Runs of one are the rows alone (DISPATCHER_RUN_LENGTH=1).
    await release();
    await sql`delete from dispatcher.replays`.execute(testDb.db);
    const single = await claimDue(db, 10, 60_000, undefined, 1);
    expect(offsetsOf(single).sort((a, b) => (a[0] as number) - (b[0] as number))).toEqual([[11], [20]]);
  });
});

describe('settlements side by side', () => {
  test('concurrent settlements over the same cases all land and bring every set-aside row forward', async ({
    testDb,
  }) => {
    await migrateToLatest(testDb.db, dispatcherMigrations, { schema: dispatcherSchema });
    const db = testDb.db as never as Parameters<typeof claimDue>[0];
    const subscriptions = [randomUUID(), randomUUID()];
    for (const id of subscriptions) await insertSubscription(testDb.db, id);
    const cases = Array.from({ length: 30 }, () => randomUUID());
    // Per (subscription, case): four rows being sent (a run) and two set aside behind them.
    await queueDeliveries(
      db,
      subscriptions.flatMap((s) =>
        cases.flatMap((c) => [0, 1, 2, 3, 4, 5].map((o) => delivery(s, c, `${s}-${c}-${o}`, o))),
      ),
    );
    await sql`update dispatcher.deliveries set waiting_for_head = true,
      next_attempt_at = now() + interval '10 minutes'
      where log_offset >= 4 and subscription_id = any(${subscriptions}::uuid[])`.execute(testDb.db);
    const sent = await sql<{ id: string; subscription_id: string; case_id: string; log_offset: string }>`
      select id::text, subscription_id, case_id, log_offset::text from dispatcher.deliveries
      where log_offset < 4 and subscription_id = any(${subscriptions}::uuid[])`.execute(testDb.db);
    const attempt = (r: (typeof sent.rows)[number]): SettledAttempt => ({
      delivery: { id: r.id, subscriptionId: r.subscription_id, caseId: r.case_id } as ClaimedDelivery,
      settlement: { kind: 'delivered', status: 204 },
      at: new Date(),
    });
    // Four settlements at once, each with one row of every pair, in opposite orders. This does not
    // force the interleaving that deadlocked (nothing here can pause a settlement between two
    // locks; with the old join order it passed too): it checks that the ordered, locked form still
    // brings every row forward once, and that no deadlock was counted.
    const batches = [0, 1, 2, 3].map((o) => {
      const rows = sent.rows.filter((r) => Number(r.log_offset) === o).map(attempt);
      return o % 2 === 0 ? rows : rows.reverse();
    });
    const deadlocks = async () => {
      await sql`select pg_stat_clear_snapshot()`.execute(testDb.db);
      const r = await sql<{ n: string }>`select deadlocks::text as n from pg_stat_database
        where datname = current_database()`.execute(testDb.db);
      return Number(r.rows[0]?.n);
    };
    const before = await deadlocks();
    await Promise.all(batches.map((b) => settleMany(testDb.db as never, b)));
    const left = await sql<{ status: string; aside: boolean; n: number }>`
      select status, waiting_for_head as aside, count(*)::int as n from dispatcher.deliveries
      where subscription_id = any(${subscriptions}::uuid[])
      group by status, waiting_for_head order by status`.execute(testDb.db);
    expect(left.rows).toEqual([
      { status: 'delivered', aside: false, n: 240 },
      { status: 'pending', aside: false, n: 120 },
    ]);
    // A deadlock is retried, so the rows above do not show one; the database's own count does
    // (its statistics reach other sessions within about a second).
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await deadlocks()).toBe(before);
  });
});
