import { describe, expect, test } from '@ketenhub/testkit';
import { sql } from 'kysely';
import { isolationProbe } from './testing/isolation-probe';

// This file and isolation-b.int.test.ts write the same table name with different markers; each
// must only ever see its own row, whichever runs first or whether they run at the same time.
describe('test database per file (a)', () => {
  test('sees only its own data', async ({ testDb }) => {
    expect(await isolationProbe(testDb.db, 'a')).toEqual(['a']);
    const dbName = await sql<{ name: string }>`select current_database() as name`.execute(testDb.db);
    expect(dbName.rows[0]?.name).toMatch(/^kh_test_[0-9a-f]{8}$/);
  });

  test('the database lives for the whole file', async ({ testDb }) => {
    expect(await isolationProbe(testDb.db, 'a')).toEqual(['a', 'a']);
  });
});
