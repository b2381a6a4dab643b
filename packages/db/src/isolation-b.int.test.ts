import { describe, expect, test } from '@ketenhub/testkit';
import { isolationProbe } from './testing/isolation-probe';

describe('test database per file (b)', () => {
  test('sees only its own data', async ({ testDb }) => {
    expect(await isolationProbe(testDb.db, 'b')).toEqual(['b']);
  });
});
