import { randomUUID } from 'node:crypto';
import { migrateToLatest } from '@ketenhub/db';
import { describe, expect, test } from '@ketenhub/testkit';
import { sql } from 'kysely';
import { dispatcherMigrations, dispatcherSchema } from '../migrations';
import { type ClaimedDelivery, claimDue, purgeDelivered, queueDeliveries } from './outbox';

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
    await sql`insert into dispatcher.subscriptions (id, system_id, oin, url, types, roles, status,
        system_revoked, secret_version, revision, format)
      values (${subscription}, ${randomUUID()}, '00000001001234567000', 'http://127.0.0.1:1/hook',
        ${['nl.wmo.melding-ontvangen']}, ${['gemeente']}, 'active', false, 1, 1, 'cloudevents')`.execute(
      testDb.db,
    );
    const caseA = randomUUID();
    const caseB = randomUUID();
    // Queued out of log order (a replay queues older events later): the run follows the log.
    const queue = (caseId: string, offsets: number[]) =>
      queueDeliveries(
        db,
        offsets.map((o) => ({
          subscriptionId: subscription,
          caseId,
          eventSource: 'urn:nld:oin:00000001001234567000:systeem:test',
          eventId: `${caseId}-${o}`,
          eventType: 'nl.wmo.melding-ontvangen',
          body: Buffer.from('{}'),
          traceparent: null,
          logTopic: 'wmo',
          logPartition: 0,
          logOffset: String(o),
        })),
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
