import { newCaseId, omgevingswetLifecycle, orgs, wmoLifecycle } from '@ketenhub/case-model/testing';
import { createPublisher, topicOffsets } from '@ketenhub/kafka';
import { createLogger } from '@ketenhub/service';
import { describe, expect, test } from '@ketenhub/testkit';
import { sql } from 'kysely';
import { startProjection } from '../../test/harness';
import { until } from '../../test/helpers';
import { typed } from '../database';
import { deadlineEventId, scanDeadlines } from './scanner';

const logger = createLogger({ service: 'scanner-test', level: 'silent' });

describe('deadline events', () => {
  test('termijn-verstreken is published once with two scanners, and taken over after a crashed claim', async ({
    kafka,
    testDb,
    prefix,
    topic,
  }) => {
    const now = new Date('2026-05-20T10:00:00Z');
    const p = await startProjection({
      kafka: kafka.client,
      db: testDb.db,
      url: testDb.url,
      prefix,
      topic,
      now,
    });
    const publishers = [await createPublisher(kafka.client), await createPublisher(kafka.client)];
    try {
      // WMO: melding on 2 March, onderzoek never finished -> deadline 13 April passed.
      // Omgevingswet: aanvraag on 2 March, supplement asked and received, no decision -> 6 May passed.
      const wmoId = newCaseId();
      const owId = newCaseId();
      const wmo = wmoLifecycle(wmoId).slice(0, 3);
      const ow = omgevingswetLifecycle(owId).slice(0, 6);
      await p.publish('wmo', wmo);
      await p.publish('omgevingswet', ow);
      await p.waitForEvents(wmoId, wmo.length);
      await p.waitForEvents(owId, ow.length);

      // A third case whose claim was taken by an instance that died before publishing.
      const deadId = newCaseId();
      await p.publish('wmo', wmoLifecycle(deadId).slice(0, 2));
      await p.waitForEvents(deadId, 2);
      const claims = sql.table(`${p.base}.deadline_events`);
      await sql`insert into ${claims} (event_id, case_id, termijn, deadline, status, geclaimd_door, geclaimd_op)
        values (${deadlineEventId(deadId, 'wmo-onderzoek', '2026-04-13')}, ${deadId}, 'wmo-onderzoek', '2026-04-13',
          'geclaimd', 'dead-instance', now() - interval '10 minutes')`.execute(testDb.db);

      const records = async () => {
        let n = 0;
        for (const t of [p.topics.wmo, p.topics.omgevingswet])
          for (const o of await topicOffsets(kafka.client, t)) n += Number(o.high);
        return n;
      };
      const before = await records();
      const scan = (i: 0 | 1) =>
        scanDeadlines({
          db: typed(testDb.db),
          schema: p.base,
          publisher: publishers[i] as (typeof publishers)[number],
          topicPrefix: `${prefix}.`,
          hubOin: orgs.ketenhub.oin,
          instanceId: `scanner-${i}`,
          leaseMs: 60_000,
          logger,
          now: () => now,
        });
      // Two instances, several rounds at the same time, before and after the events came back.
      const rounds = await Promise.all([scan(0), scan(1), scan(0), scan(1)]);
      expect(rounds.reduce((n, r) => n + r.published, 0)).toBe(3);
      expect(await records()).toBe(before + 3);

      // The projection consumes its own events back: the clocks record the announcement and the
      // cases leave the scan.
      await p.waitForEvents(wmoId, wmo.length + 1);
      await p.waitForEvents(owId, ow.length + 1);
      await p.waitForEvents(deadId, 3);
      const again = await Promise.all([scan(0), scan(1)]);
      expect(again.reduce((n, r) => n + r.due, 0)).toBe(0);
      expect(await records()).toBe(before + 3);

      const wmoCase = (await p.get(`/cases/${wmoId}`, await p.token('gemeente', ['gemeente']))).body;
      expect(wmoCase.klokken.find((k: { soort: string }) => k.soort === 'wmo-onderzoek')).toMatchObject({
        deadline: '2026-04-13',
        verlopen: true,
        verstrekenGemeld: ['2026-04-13'],
      });
      const timeline = (
        await p.get(`/cases/${owId}/events`, await p.token('bevoegd-gezag', ['bevoegd-gezag']))
      ).body.items;
      const verstreken = timeline.filter((e: { type: string }) => e.type === 'nl.ketens.termijn-verstreken');
      expect(verstreken).toHaveLength(1);
      expect(verstreken[0]).toMatchObject({
        source: `urn:nld:oin:${orgs.ketenhub.oin}:systeem:ketenhub`,
        id: deadlineEventId(owId, 'omgevingswet-beslistermijn-regulier', '2026-05-06'),
        data: {
          termijn: 'omgevingswet-beslistermijn-regulier',
          termijnEinde: '2026-05-06',
          opgeschorteDagen: 6,
        },
      });
      const states = await sql<{
        status: string;
        geclaimd_door: string;
      }>`select status, geclaimd_door from ${claims} order by case_id`.execute(testDb.db);
      expect(states.rows.every((r) => r.status === 'verzonden')).toBe(true);
      await until(
        async () =>
          (await p.get('/cases?overdue=true', await p.token('gemeente', ['gemeente']))).body.items.length ===
          2,
      );
    } finally {
      for (const pub of publishers) await pub.close();
      await p.close();
    }
  });
});
