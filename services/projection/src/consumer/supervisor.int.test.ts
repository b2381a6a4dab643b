import type { RunningConsumer } from '@ketenhub/kafka';
import { createLogger } from '@ketenhub/service';
import { describe, expect, test } from '@ketenhub/testkit';
import { until } from '../../test/helpers';
import { typed } from '../database';
import { ensureActiveVersion } from '../versions/versions';
import { startConsumerSupervisor } from './supervisor';

const logger = createLogger({ service: 'supervisor-test', level: 'silent' });

describe('consumer supervisor', () => {
  test('a consumer that stops for good is started again, unready meanwhile', async ({ testDb, prefix }) => {
    const base = `s_${prefix.replace(/[^a-z0-9]/g, '_')}`;
    const version = await ensureActiveVersion(testDb.db, base, `${prefix}-proj`);
    const starts: ((error: Error) => void)[] = [];
    let ready = true;
    const supervisor = await startConsumerSupervisor({
      db: typed(testDb.db),
      schema: base,
      pollMs: 60_000,
      logger,
      start: async (v, onStop) => {
        expect(v.versie).toBe(version.versie);
        starts.push(onStop);
        ready = true;
        const consumer: RunningConsumer = { stop: async () => undefined, isReady: () => ready };
        return consumer;
      },
    });
    try {
      expect(starts).toHaveLength(1);
      expect(supervisor.isReady()).toBe(true);
      // As the projection consumer does when PostgreSQL is gone while it loads its positions.
      ready = false;
      starts[0]?.(new Error('could not load positions'));
      expect(supervisor.isReady()).toBe(false);
      await until(() => starts.length === 2, 10_000);
      expect(supervisor.isReady()).toBe(true);
      expect(supervisor.current()?.versie).toBe(version.versie);
    } finally {
      await supervisor.stop();
    }
  });
});
