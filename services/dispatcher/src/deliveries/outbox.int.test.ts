import { randomUUID } from 'node:crypto';
import { migrateToLatest } from '@ketenhub/db';
import { describe, expect, test } from '@ketenhub/testkit';
import { sql } from 'kysely';
import { dispatcherMigrations, dispatcherSchema } from '../migrations';
import { purgeDelivered } from './outbox';

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
