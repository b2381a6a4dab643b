import { type DemoChain, demoOrganisations, startDemoChain } from '@ketenhub/demo-chain';
import { test as base, describe, expect } from '@ketenhub/testkit';
import { eventually, type HubProcesses, json, runHub } from './support/hub';

/**
 * The living demo of `npm start` against the hub as processes (registry, gateway, projection,
 * dispatcher): the connectors register, subscribe to webhooks and react to each other on a fast
 * calendar (one demo day per second). Within a bounded time chain cases move through their phases
 * in both domains, with events from several organisations, one runs overdue and is picked up
 * after the hub reports it, and the hub refuses none of the demo's events.
 */
const test = base.extend<{ hub: HubProcesses }>({
  hub: [
    async ({ testDb, kafka }, use) =>
      runHub({ testDb, kafka }, ['registry', 'gateway', 'projection', 'dispatcher'], use, {
        KETENHUB_WEBHOOK_LOCAL_HTTP: 'true',
        PROJECTION_DEADLINE_SCAN_MS: '1000',
        DISPATCHER_POLL_MS: '100',
      }),
    { scope: 'file' },
  ],
});

interface Item {
  id: string;
  fase: string;
}
interface Entry {
  type: string;
  organisatie: string | null;
}

describe('the living demo chain', () => {
  test('cases start and move in both domains, from several organisations, and one runs overdue', async ({
    hub,
  }) => {
    const chain: DemoChain = await startDemoChain({
      registryUrl: hub.url('registry'),
      gatewayUrl: hub.url('gateway'),
      adminToken: hub.adminToken,
      daySeconds: 1,
      newCaseEveryDays: 6,
      maxCases: 6,
    });
    try {
      const token = async (org: (typeof demoOrganisations)[keyof typeof demoOrganisations]) => {
        const res = await fetch(`${hub.url('registry')}/dev/tokens`, {
          method: 'POST',
          headers: { authorization: `Bearer ${hub.adminToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ oin: org.oin, sub: 'e2e', roles: [org.rol] }),
        });
        return (await json<{ token: string }>(res)).token;
      };
      const gemeente = await token(demoOrganisations.gemeente);
      const bevoegdGezag = await token(demoOrganisations.bevoegdGezag);
      const get = async <T>(t: string, path: string) =>
        json<T>(
          await fetch(`${hub.url('projection')}${path}`, { headers: { authorization: `Bearer ${t}` } }),
        );

      // The first WMO case from melding to care, as the municipality sees it; the phases it passed.
      const wmoCase = chain.stats().cases.wmo[0] ?? '';
      const seenWmo = new Set<string>();
      await eventually(
        async () => {
          const c = await fetch(`${hub.url('projection')}/cases/${wmoCase}`, {
            headers: { authorization: `Bearer ${gemeente}` },
          });
          if (c.status === 200) seenWmo.add(((await c.json()) as Item).fase);
          return seenWmo.has('zorg') ? true : undefined;
        },
        'the first WMO case reaches care',
        90_000,
        () => [...seenWmo].join(' → '),
      );
      expect(seenWmo.size, [...seenWmo].join(' → ')).toBeGreaterThanOrEqual(3);

      const permitCase = chain.stats().cases.omgevingswet[0] ?? '';
      const seenPermit = new Set<string>();
      await eventually(
        async () => {
          const c = await fetch(`${hub.url('projection')}/cases/${permitCase}`, {
            headers: { authorization: `Bearer ${bevoegdGezag}` },
          });
          if (c.status === 200) seenPermit.add(((await c.json()) as Item).fase);
          return seenPermit.has('bekendgemaakt') ? true : undefined;
        },
        'the first permit case reaches publication of its decision',
        90_000,
        () => [...seenPermit].join(' → '),
      );
      expect(seenPermit.size, [...seenPermit].join(' → ')).toBeGreaterThanOrEqual(3);

      // Several organisations acted on each: who published what is in the timeline.
      const wmoTimeline = await get<{ items: Entry[] }>(gemeente, `/cases/${wmoCase}/events?limit=1000`);
      const wmoOrgs = new Set(wmoTimeline.items.map((e) => e.organisatie));
      expect(wmoOrgs).toEqual(
        new Set([
          demoOrganisations.gemeente.oin,
          demoOrganisations.zorgaanbieder.oin,
          demoOrganisations.cak.oin,
        ]),
      );
      const permitTimeline = await get<{ items: Entry[] }>(
        bevoegdGezag,
        `/cases/${permitCase}/events?limit=1000`,
      );
      const permitOrgs = new Set(permitTimeline.items.map((e) => e.organisatie));
      for (const org of ['bevoegdGezag', 'omgevingsdienst', 'waterschap', 'provincie'] as const) {
        expect(permitOrgs.has(demoOrganisations[org].oin), org).toBe(true);
      }
      const permitTypes = permitTimeline.items.map((e) => e.type);
      for (const type of [
        'nl.omgevingswet.aanvulling-gevraagd',
        'nl.omgevingswet.aanvulling-ontvangen',
        'nl.omgevingswet.advies-gegeven',
        'nl.omgevingswet.instemming-verleend',
        'nl.omgevingswet.besluit-genomen',
      ]) {
        expect(permitTypes, type).toContain(type);
      }

      // The case on the waiting list: the hub reports its onderzoek term passed, the consultant picks it up.
      const overdue = chain.stats().cases.overdue[0] ?? '';
      await eventually(
        async () => {
          const t = await get<{ items: Entry[] }>(gemeente, `/cases/${overdue}/events?limit=1000`);
          const types = t.items.map((e) => e.type);
          const reported = types.indexOf('nl.ketens.termijn-verstreken');
          return reported >= 0 && types.indexOf('nl.wmo.onderzoek-afgerond') > reported ? true : undefined;
        },
        'the overdue case reported by the hub and picked up',
        60_000,
      );

      // New cases kept opening meanwhile, and the hub refused nothing the connectors sent.
      const list = await get<{ items: Item[] }>(gemeente, '/cases?domein=wmo&limit=100');
      expect(list.items.length).toBeGreaterThanOrEqual(3);
      const stats = chain.stats();
      expect(stats.refused).toEqual([]);
      expect(stats.failed).toEqual([]);
      expect(Object.keys(stats.publishedBy).length).toBe(7);
    } finally {
      await chain.stop();
    }
  });
});
