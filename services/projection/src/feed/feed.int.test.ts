import { givenCase } from '@ketenhub/access/testing';
import { event, newCaseId, omgevingswetLifecycle, orgs, wmoLifecycle } from '@ketenhub/case-model/testing';
import { eventTypes, type KetenEvent, mayConsume, type ParticipantRole } from '@ketenhub/events';
import { describe, expect, test } from '@ketenhub/testkit';
import { type Json, startProjection } from '../../test/harness';

/**
 * The catch-up feed on real Kafka and PostgreSQL: a system that cannot receive webhooks pulls
 * exactly what webhooks would have brought it (the one access rule's oracle says what that is),
 * pages with a cursor, resumes across a restart with nothing missed or repeated, and long-polls.
 */
describe('catch-up feed', () => {
  test('pages, resumes across a restart, long-polls; the oracle decides what is in it', async ({
    kafka,
    testDb,
    prefix,
    topic,
  }) => {
    const options = { kafka: kafka.client, db: testDb.db, url: testDb.url, prefix, topic };
    let p = await startProjection(options);
    const consumesOf = (role: ParticipantRole) => eventTypes.filter((t) => mayConsume(t, role));
    const wmoId = newCaseId();
    const owId = newCaseId();
    const wmo = wmoLifecycle(wmoId);
    const ow = omgevingswetLifecycle(owId);
    const log = new Map<string, KetenEvent[]>([
      [wmoId, wmo],
      [owId, ow],
    ]);
    const systems = {
      zorgaanbieder: { org: 'zorgaanbieder' as const, role: 'zorgaanbieder' as const },
      adviseur: { org: 'adviseur' as const, role: 'adviseur' as const },
      gemeente: { org: 'gemeente' as const, role: 'gemeente' as const },
    };
    const registered = Object.fromEntries(
      Object.entries(systems).map(([k, s]) => [
        k,
        p.addSystem(s.org, [s.role], consumesOf(s.role), `feed-${k}`),
      ]),
    ) as Record<keyof typeof systems, { id: string; token: string }>;
    const expected = (key: keyof typeof systems) => {
      const s = systems[key];
      const consumes = new Set(consumesOf(s.role));
      return [...log.values()].flatMap((events) =>
        givenCase(events)
          .delivered({ oin: orgs[s.org].oin, roles: [s.role] })
          .map((i) => events[i]!)
          .filter((e) => consumes.has(e.type))
          .map((e) => e.id),
      );
    };
    const page = async (key: keyof typeof systems, after?: string, extra = '') => {
      const q = new URLSearchParams({ limit: '4', ...(after ? { after } : {}) });
      return p.get(`/feeds/${registered[key].id}/events?${q}${extra}`, registered[key].token);
    };
    /** Reads the whole feed from `after`; returns the items and the last cursor. */
    const drain = async (key: keyof typeof systems, after?: string) => {
      const items: Json[] = [];
      let cursor = after;
      for (let i = 0; i < 200; i++) {
        const res = await page(key, cursor);
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        items.push(...res.body.items);
        cursor = res.body.cursor;
        if (!res.body.more) break;
      }
      return { items, cursor: cursor as string };
    };
    try {
      await p.publish('wmo', wmo);
      await p.publish('omgevingswet', ow);
      await p.waitForEvents(wmoId, wmo.length);
      await p.waitForEvents(owId, ow.length);

      // Each system gets exactly what a webhook would have delivered, in log order per case,
      // numbered consecutively per case.
      const cursors: Record<string, string> = {};
      for (const key of Object.keys(systems) as (keyof typeof systems)[]) {
        const { items, cursor } = await drain(key);
        const ids = items.map((i) => i.event.id);
        const perCase = (list: string[]) =>
          [...log.keys()].map((c) => list.filter((id) => log.get(c)?.some((e) => e.id === id)));
        expect(perCase(ids), key).toEqual(perCase(expected(key)));
        expect(new Set(ids).size).toBe(ids.length);
        for (const c of log.keys()) {
          const numbers = items.filter((i) => i.event.subject === c).map((i) => i.volgnummer);
          expect(numbers).toEqual(numbers.map((_, n) => n + 1));
        }
        cursors[key] = cursor;
      }
      expect(expected('zorgaanbieder').length).toBeGreaterThan(3);
      expect(expected('adviseur').length).toBeGreaterThan(3);
      // At the end: an empty page keeps the cursor.
      const end = await page('zorgaanbieder', cursors.zorgaanbieder);
      expect(end.body).toMatchObject({ items: [], more: false, cursor: cursors.zorgaanbieder });

      // Problems.
      expect((await p.get(`/feeds/${registered.zorgaanbieder.id}/events`)).status).toBe(401);
      expect((await p.get(`/feeds/${registered.zorgaanbieder.id}/events`, 'khs_nope')).status).toBe(401);
      const other = await p.get(`/feeds/${registered.gemeente.id}/events`, registered.zorgaanbieder.token);
      expect(other.status).toBe(403);
      expect(other.body?.errors[0]).toMatchObject({ field: 'path.systemId', rule: 'own-system' });
      const bad = await page('zorgaanbieder', 'bm90LWEtY3Vyc29y');
      expect(bad.status).toBe(400);
      expect(bad.body?.errors[0]).toMatchObject({ field: 'query.after', rule: 'cursor' });
      const notConsumed = await page('zorgaanbieder', undefined, '&types=nl.wmo.melding-ontvangen');
      expect(notConsumed.body?.errors[0]).toMatchObject({ field: 'query.types', rule: 'consumed-type' });
      const limit = await p.get(
        `/feeds/${registered.zorgaanbieder.id}/events?limit=5000`,
        registered.zorgaanbieder.token,
      );
      expect(limit.body?.errors[0]).toMatchObject({ field: 'query.limit', rule: 'max' });
      // A type filter: only those types, numbered consecutively among them.
      const only = await page('zorgaanbieder', undefined, '&types=nl.wmo.toewijzing-verzonden');
      const toewijzingen = expected('zorgaanbieder').filter(
        (id) => wmo.find((e) => e.id === id)?.type === 'nl.wmo.toewijzing-verzonden',
      );
      expect(toewijzingen.length).toBeGreaterThan(0);
      expect(only.body.items.map((i: Json) => [i.event.id, i.volgnummer])).toEqual(
        toewijzingen.map((id, n) => [id, n + 1]),
      );

      // A hub restart with events published meanwhile: resuming from the cursor gets exactly those.
      await p.close();
      const later = [
        event(
          wmoId,
          'nl.wmo.declaratie-beantwoord',
          {
            declaratienummer: 'DCL-LATER',
            ingediendBedragInCenten: 1000,
            toegekendBedragInCenten: 1000,
            afgewezenPrestaties: [],
          },
          { from: 'gemeente', at: '2026-11-01' },
        ),
      ];
      p = await startProjection(options);
      // The restarted harness's directory starts empty: the systems are registered anew.
      const again = Object.fromEntries(
        Object.entries(systems).map(([k, s]) => [
          k,
          p.addSystem(s.org, [s.role], consumesOf(s.role), `feed2-${k}`),
        ]),
      ) as typeof registered;
      Object.assign(registered, again);
      await p.publish('wmo', later);
      log.set(wmoId, [...wmo, ...later]);
      await p.waitForEvents(wmoId, wmo.length + 1);
      const resumed = await drain('zorgaanbieder', cursors.zorgaanbieder);
      expect(resumed.items.map((i) => i.event.id)).toEqual([later[0]?.id]);
      expect(resumed.items[0]?.volgnummer).toBe(
        expected('zorgaanbieder').filter((id) => log.get(wmoId)?.some((e) => e.id === id)).length,
      );

      // Long-poll: a reader at the end waits, and gets the next event as soon as it is projected.
      const started = Date.now();
      const waiting = p.get(
        `/feeds/${registered.zorgaanbieder.id}/events?wait=20&after=${resumed.cursor}`,
        registered.zorgaanbieder.token,
      );
      await new Promise((r) => setTimeout(r, 500));
      const next = event(
        wmoId,
        'nl.wmo.verzoek-beantwoord',
        { referentieAanbieder: 'REF-LATER', verzoekAntwoord: 2 },
        { from: 'gemeente', at: '2026-11-02' },
      );
      await p.publish('wmo', [next]);
      const woke = await waiting;
      expect(woke.body.items.map((i: Json) => i.event.id)).toEqual([next.id]);
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      await p.close();
    }
  });
});
