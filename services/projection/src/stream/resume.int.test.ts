import { event, newCaseId, wmoLifecycle } from '@ketenhub/case-model/testing';
import { describe, expect, test } from '@ketenhub/testkit';
import { type Json, readSse, startProjection } from '../../test/harness';

const later = (caseId: string, n: number) =>
  event(
    caseId,
    'nl.wmo.verzoek-beantwoord',
    { referentieAanbieder: `REF-${n}`, verzoekAntwoord: 2 },
    { from: 'gemeente', at: `2026-10-${String(n).padStart(2, '0')}` },
  );

/** The case streams resume with Last-Event-ID (issue 13): nothing missed, nothing sent again. */
describe('case streams resume with Last-Event-ID', () => {
  test('one case and all cases', async ({ kafka, testDb, prefix, topic }) => {
    const p = await startProjection({ kafka: kafka.client, db: testDb.db, url: testDb.url, prefix, topic });
    try {
      const a = newCaseId();
      const b = newCaseId();
      const events = [...wmoLifecycle(a), ...wmoLifecycle(b)];
      await p.publish('wmo', events);
      await p.waitForEvents(a, events.length / 2);
      await p.waitForEvents(b, events.length / 2);
      const gemeente = await p.token('gemeente', ['gemeente']);

      // One case: the first message is the current state; resuming with its id sends nothing
      // until the case changes.
      const first: { id?: string }[] = [];
      const s1 = await readSse(`${p.url}/cases/${a}/stream`, gemeente, (e) => {
        first.push(e);
        return true;
      });
      await s1.done;
      const lastId = first[0]?.id as string;
      expect(lastId).toBe(`${a}:${events.length / 2}`);
      const resumed: { id?: string; data: Json }[] = [];
      const s2 = await readSse(
        `${p.url}/cases/${a}/stream`,
        gemeente,
        (e) => {
          resumed.push(e);
          return true;
        },
        20_000,
        { 'last-event-id': lastId },
      );
      await s2.opened;
      await new Promise((r) => setTimeout(r, 800));
      expect(resumed).toEqual([]);
      await p.publish('wmo', [later(a, 1)]);
      await s2.done;
      expect(resumed[0]?.id).toBe(`${a}:${events.length / 2 + 1}`);

      // All cases: a client that was away while two cases changed gets both on reconnecting.
      const seen: { id?: string; data: Json }[] = [];
      const s3 = await readSse(`${p.url}/cases/stream`, gemeente, (e) => {
        seen.push(e);
        return true;
      });
      await s3.opened;
      await p.publish('wmo', [later(b, 2)]);
      await s3.done;
      const away = seen[0]?.id as string;
      expect(away).toMatch(/^t:\d+$/);
      await p.publish('wmo', [later(a, 3), later(b, 4)]);
      await p.waitForEvents(b, events.length / 2 + 2);
      await p.waitForEvents(a, events.length / 2 + 2);
      const back: { data: Json }[] = [];
      const s4 = await readSse(
        `${p.url}/cases/stream`,
        gemeente,
        (e) => {
          back.push(e);
          return new Set(back.map((x) => x.data.id)).size >= 2;
        },
        10_000,
        { 'last-event-id': away },
      );
      await s4.done;
      expect(new Set(back.map((x) => x.data.id))).toEqual(new Set([a, b]));
    } finally {
      await p.close();
    }
  });
});
