import { randomUUID } from 'node:crypto';
import { givenCase } from '@ketenhub/access/testing';
import {
  type CaseDomain,
  definitionOf,
  eventTypes,
  type KetenEvent,
  mayConsume,
  mayPublish,
  type ParticipantRole,
  sourceFor,
  toKafkaRecord,
} from '@ketenhub/events';
import {
  exampleOrganisations,
  makeEvent,
  omgevingswetLifecycle,
  wmoLifecycle,
} from '@ketenhub/events/testing';
import { createKafkaClient, createPublisher, parseBrokers } from '@ketenhub/kafka';
import { test as base, describe, expect } from '@ketenhub/testkit';
import { eventually, type HubProcesses, json, runHub } from './support/hub';
import { webhookReceiver } from './support/webhooks';

/**
 * The conformance test of issue 12: the same event sequences go into the gateway, the projection
 * and the dispatcher (the hub as processes), and all three must decide as the one rule
 * (@ketenhub/access, replayed here as the oracle `givenCase`) says:
 * - the gateway accepts what the rule allows and refuses the rest with 403 naming the rule;
 * - what reached the log anyway (written straight to Kafka, as old logs or a bypass would) is
 *   judged by the same rule in the projection and the dispatcher;
 * - every organisation reads in the projection exactly the events the rule lets it read, and
 *   receives by webhook exactly those it lets it receive, in log order.
 */
const test = base.extend<{ hub: HubProcesses }>({
  hub: [
    async ({ testDb, kafka }, use) =>
      runHub({ testDb, kafka }, ['registry', 'gateway', 'projection', 'dispatcher'], use, {
        KETENHUB_WEBHOOK_LOCAL_HTTP: 'true',
        // The hub's own deadline events would land in the log at moments the oracle cannot know.
        PROJECTION_DEADLINE_SCAN_MS: '0',
      }),
    { scope: 'file' },
  ],
});

type Org = { oin: string; systeem: string; source: string; rol: ParticipantRole; domein: CaseDomain };
const org = (name: keyof typeof exampleOrganisations, rol: ParticipantRole, domein: CaseDomain): Org => ({
  ...exampleOrganisations[name],
  rol,
  domein,
});
// A municipality from elsewhere: a registered system, but no participant of these cases.
const elders: Org = {
  oin: '00000099700000007000',
  systeem: 'zaken-elders',
  source: sourceFor('00000099700000007000', 'zaken-elders'),
  rol: 'gemeente',
  domein: 'wmo',
};
// A second adviser, added by the authority in an event that reaches the log past this gateway.
const waterschap: Org = {
  oin: '00000099600000016000',
  systeem: 'waterschap',
  source: sourceFor('00000099600000016000', 'waterschap'),
  rol: 'adviseur',
  domein: 'omgevingswet',
};
const orgs: Org[] = [
  org('gemeente', 'gemeente', 'wmo'),
  org('zorgaanbieder', 'zorgaanbieder', 'wmo'),
  org('cak', 'cak', 'wmo'),
  org('bevoegd-gezag', 'bevoegd-gezag', 'omgevingswet'),
  org('omgevingsdienst', 'omgevingsdienst', 'omgevingswet'),
  org('adviseur', 'adviseur', 'omgevingswet'),
  elders,
  waterschap,
];
const bySource = (source: string) => orgs.find((o) => o.source === source) as Org;

interface Received {
  id: string;
  subject: string;
  redactie?: string;
}

/** The subscribers' endpoints, one path per system (`/<systeem>`), on one webhook receiver. */
async function receiver() {
  const endpoint = await webhookReceiver();
  return {
    url: endpoint.url,
    received: (path: string): Received[] =>
      endpoint.deliveries
        .filter((d) => d.path === path)
        .map((d) => {
          const body = JSON.parse(d.body) as Received;
          return {
            id: body.id,
            subject: body.subject,
            ...(body.redactie ? { redactie: body.redactie } : {}),
          };
        }),
    close: endpoint.close,
  };
}

describe('one access rule in gateway, projection and dispatcher', () => {
  test('the same events give the same decisions at every exit', async ({ hub, kafka }) => {
    const admin = (path: string, body: unknown) =>
      fetch(`${hub.url('registry')}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${hub.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const endpoint = await receiver();
    const kafkaClient = createKafkaClient({ brokers: parseBrokers(kafka.brokers), clientId: 'e2e-bypass' });
    const bypass = await createPublisher(kafkaClient);
    try {
      // Every organisation's system publishes what its role may and receives all its role may see.
      const systems = new Map<string, { token: string; consumes: string[] }>();
      for (const o of orgs) {
        const inDomain = eventTypes.filter((t) =>
          ['ketens', o.domein].includes(definitionOf(t)?.domain ?? ''),
        );
        const registration = {
          oin: o.oin,
          name: o.systeem,
          roles: [o.rol],
          domains: [o.domein],
          publishes: inDomain.filter((t) => mayPublish(t, o.rol)),
          consumes: inDomain.filter((t) => mayConsume(t, o.rol)),
        };
        const res = await admin('/systems', registration);
        expect(res.status, await res.clone().text()).toBe(201);
        const system = await json<{ id: string; token: string }>(res);
        const sub = await admin(`/systems/${system.id}/subscriptions`, {
          url: endpoint.url(`/${o.systeem}`),
        });
        expect(sub.status, await sub.clone().text()).toBe(201);
        systems.set(o.source, { token: system.token, consumes: registration.consumes });
      }

      const log = new Map<string, KetenEvent[]>();
      const append = (e: KetenEvent) => log.set(e.subject, [...(log.get(e.subject) ?? []), e]);
      const post = (e: KetenEvent) =>
        fetch(`${hub.url('gateway')}/events`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${systems.get(e.source)?.token}`,
            'content-type': 'application/cloudevents+json',
          },
          body: JSON.stringify(e),
        });
      /** Through the gateway: accepted exactly when the oracle says the rule allows it. */
      const publish = async (e: KetenEvent) => {
        const verdict = givenCase(log.get(e.subject) ?? []).when(e).verdict;
        let res = await post(e);
        // A system registered a moment ago reaches the gateway through the registry's topic.
        for (let i = 0; res.status === 401 && i < 40; i++) {
          await new Promise((r) => setTimeout(r, 250));
          res = await post(e);
        }
        const body = await res.text();
        if (verdict.ok) {
          expect(res.status, `${e.type} from ${bySource(e.source).rol}: ${body}`).toBe(202);
          append(e);
        } else {
          expect(res.status, `${e.type} from ${bySource(e.source).rol}: ${body}`).toBe(403);
          expect((JSON.parse(body) as { errors: { rule: string }[] }).errors[0]?.rule).toBe(verdict.regel);
        }
        return verdict;
      };
      /** Straight to Kafka, as an old log or a bypassed gateway would have written it. */
      // On the topic of the case's domain (where the gateway would have put it).
      const caseDomain = new Map<string, CaseDomain>();
      const writeToLog = async (e: KetenEvent) => {
        const domain = caseDomain.get(e.subject);
        await bypass.publish([{ topic: `${hub.topicPrefix}${domain}`, ...toKafkaRecord(e) }]);
        append(e);
      };

      const wmoId = randomUUID();
      const owId = randomUUID();
      caseDomain.set(wmoId, 'wmo').set(owId, 'omgevingswet');
      for (const e of wmoLifecycle(wmoId)) await publish(e);
      for (const e of omgevingswetLifecycle(owId, { procedure: 'uitgebreid' })) await publish(e);

      const at = (subject: string, type: Parameters<typeof makeEvent>[0], data: unknown, as: Org) =>
        makeEvent(type, data as never, {
          subject,
          source: as.source,
          id: randomUUID(),
          time: new Date().toISOString(),
        }) as KetenEvent;
      const [gemeente, zorgaanbieder, cak, bevoegdGezag, omgevingsdienst, adviseur] = orgs as [
        Org,
        Org,
        Org,
        Org,
        Org,
        Org,
      ];

      // Attacks the gateway must refuse, each with the rule the oracle names.
      const refused = [
        at(
          wmoId,
          'nl.ketens.deelnemer-aangesloten',
          {
            oin: elders.oin,
            rol: 'gemeente',
            systeem: elders.systeem,
            zaakreferentie: 'X',
            toegang: 'volledig',
          },
          elders,
        ),
        at(
          wmoId,
          'nl.wmo.melding-ontvangen',
          { bsn: '999990019', gemeentecode: '0999', meldingsdatum: '2026-06-01' },
          elders,
        ),
        at(
          owId,
          'nl.ketens.toegang-gewijzigd',
          { oin: omgevingsdienst.oin, rol: 'omgevingsdienst', toegang: 'beperkt' },
          omgevingsdienst,
        ),
        at(
          owId,
          'nl.ketens.actieverzoek-in-behandeling-genomen',
          { actieverzoekId: '3b1f6c0e-2d4a-4e8b-9f1a-5c7d8e9f0a1b', status: 'IN_BEHANDELING' },
          bevoegdGezag,
        ),
        at(
          wmoId,
          'nl.ketens.uitnodiging-aanvaard',
          { uitnodigingId: randomUUID(), systeem: cak.systeem, zaakreferentie: 'EB-X' },
          cak,
        ),
      ];
      const rules: string[] = [];
      for (const e of refused) {
        const v = await publish(e);
        rules.push(v.ok ? 'ok' : v.regel);
      }
      expect(rules).toEqual([
        'geen-deelnemer',
        'geen-deelnemer',
        'eigen-deelname',
        'niet-de-ontvanger',
        'onbekende-uitnodiging',
      ]);

      // What reached the log past this gateway: an old-style self-join, a non-owner's add, a
      // forged fact, and one legitimate grant (the authority adds a second adviser).
      await writeToLog(
        at(
          owId,
          'nl.ketens.deelnemer-aangesloten',
          {
            oin: elders.oin,
            rol: 'adviseur',
            systeem: elders.systeem,
            zaakreferentie: 'OUD-1',
            toegang: 'volledig',
          },
          elders,
        ),
      );
      await writeToLog(
        at(
          wmoId,
          'nl.ketens.deelnemer-aangesloten',
          {
            oin: elders.oin,
            rol: 'gemeente',
            systeem: elders.systeem,
            zaakreferentie: 'OUD-2',
            toegang: 'volledig',
          },
          zorgaanbieder,
        ),
      );
      await writeToLog(
        at(
          wmoId,
          'nl.wmo.melding-ontvangen',
          { bsn: '999990019', gemeentecode: '0999', meldingsdatum: '2026-06-01' },
          zorgaanbieder,
        ),
      );
      await writeToLog(
        at(
          owId,
          'nl.ketens.deelnemer-aangesloten',
          {
            oin: waterschap.oin,
            rol: 'adviseur',
            systeem: waterschap.systeem,
            zaakreferentie: 'WS-1',
            toegang: 'beperkt',
          },
          bevoegdGezag,
        ),
      );
      // The gateway learns the grant from the log: the second adviser may now publish.
      const document = (as: Org, documentId: string, vertrouwelijkheid: 'regulier' | 'strikt') =>
        at(
          owId,
          'nl.ketens.document-toegevoegd',
          {
            documentId,
            titel: documentId,
            documentUrl: `https://docs.example/${documentId}`,
            mediatype: 'application/pdf',
            vertrouwelijkheid,
          },
          as,
        );
      const fromWater = document(waterschap, 'WS-ADVIES', 'regulier');
      await eventually(
        async () => ((await post(fromWater)).status === 202 ? true : undefined),
        'the gateway learned the grant from the log',
      );
      append(fromWater);
      // ...and the self-join it read there granted nothing.
      await publish(document(elders, 'ELDERS', 'regulier'));

      // Later facts: a strictly confidential document, a removal and events after it.
      await publish(document(bevoegdGezag, 'GEHEIM', 'strikt'));
      await publish(
        at(
          wmoId,
          'nl.ketens.deelnemer-verwijderd',
          { oin: zorgaanbieder.oin, rol: 'zorgaanbieder', reden: 'overgedragen' },
          gemeente,
        ),
      );
      await publish(
        at(
          wmoId,
          'nl.wmo.declaratie-beantwoord',
          {
            declaratienummer: 'DCL-LAAT',
            ingediendBedragInCenten: 100,
            toegekendBedragInCenten: 100,
            afgewezenPrestaties: [],
          },
          gemeente,
        ),
      );
      const removedPublishes = await publish(
        at(
          wmoId,
          'nl.wmo.zorg-gestart',
          {
            toewijzingNummer: 400123456,
            zorgaanbieder: '98123456',
            productcategorie: '02',
            productcode: '02A05',
            begindatum: '2026-06-01',
          },
          zorgaanbieder,
        ),
      );
      expect(removedPublishes.ok ? 'ok' : removedPublishes.regel).toBe('geen-deelnemer');

      // Now every exit, per organisation, against the oracle.
      const token = async (o: Org) => {
        const res = await admin('/dev/tokens', { oin: o.oin, sub: `e2e-${o.systeem}`, roles: [o.rol] });
        return (await json<{ token: string }>(res)).token;
      };
      const cases = [...log.keys()];
      // Wait until the projection has folded the whole log: the owners of each case read as many
      // events as the rule lets them (not all: an actieverzoek is only its sender's and receiver's).
      const gToken = await token(gemeente);
      const bgToken = await token(bevoegdGezag);
      for (const [id, viewerToken, owner] of [
        [wmoId, gToken, gemeente],
        [owId, bgToken, bevoegdGezag],
      ] as const) {
        const want = givenCase(log.get(id) ?? []).readable({ oin: owner.oin, roles: [owner.rol] }).length;
        let seen = 0;
        await eventually(
          async () => {
            const res = await fetch(`${hub.url('projection')}/cases/${id}/events?limit=1000`, {
              headers: { authorization: `Bearer ${viewerToken}` },
            });
            if (res.status !== 200) {
              seen = -res.status;
              return undefined;
            }
            seen = (await json<{ items: unknown[] }>(res)).items.length;
            return seen >= want ? true : undefined;
          },
          `case ${id} projected`,
          120_000,
          () => `${seen} of ${want} readable events (negative: HTTP status)`,
        );
      }

      for (const o of orgs) {
        const viewer = { oin: o.oin, roles: [o.rol] };
        const expectedDelivered: string[] = [];
        const expectedRead = new Map<string, string[]>();
        for (const id of cases) {
          const events = log.get(id) ?? [];
          const oracle = givenCase(events);
          const consumes = new Set(systems.get(o.source)?.consumes);
          expectedDelivered.push(
            ...oracle
              .delivered(viewer)
              .map((i) => events[i]!)
              .filter((e) => consumes.has(e.type))
              .map((e) => e.id),
          );
          expectedRead.set(
            id,
            oracle.readable(viewer).map((i) => events[i]!.id),
          );
        }
        // Reads: the projection's timeline (404 where the rule says the case does not exist for it).
        const t = await token(o);
        for (const id of cases) {
          const res = await fetch(`${hub.url('projection')}/cases/${id}/events?limit=1000`, {
            headers: { authorization: `Bearer ${t}` },
          });
          const read =
            res.status === 200 ? (await json<{ items: { id: string }[] }>(res)).items.map((x) => x.id) : [];
          expect(res.status === 404 || res.status === 200, `${o.rol} reads ${id}`).toBe(true);
          expect(read, `${o.rol} reads case ${id === wmoId ? 'wmo' : 'ow'}`).toEqual(expectedRead.get(id));
        }
        // Deliveries: exactly those, in log order per case.
        const path = `/${o.systeem}`;
        await eventually(
          async () => (endpoint.received(path).length >= expectedDelivered.length ? true : undefined),
          `${o.rol} receives ${expectedDelivered.length} webhooks`,
          60_000,
          () => String(endpoint.received(path).length),
        );
        const perCase = (ids: string[]) =>
          cases.map((c) => ids.filter((id) => (log.get(c) ?? []).some((e) => e.id === id)));
        expect(perCase(endpoint.received(path).map((r) => r.id)), `${o.rol} webhooks`).toEqual(
          perCase(expectedDelivered),
        );
      }
      // Give anything that should not come a moment to arrive anyway, then look again.
      await new Promise((r) => setTimeout(r, 2_000));
      const total = orgs.reduce((n, o) => n + endpoint.received(`/${o.systeem}`).length, 0);
      const expectedTotal = orgs.reduce((n, o) => {
        const consumes = new Set(systems.get(o.source)?.consumes);
        return (
          n +
          cases.reduce((m, id) => {
            const events = log.get(id) ?? [];
            return (
              m +
              givenCase(events)
                .delivered({ oin: o.oin, roles: [o.rol] })
                .filter((i) => consumes.has(events[i]!.type)).length
            );
          }, 0)
        );
      }, 0);
      expect(total).toBe(expectedTotal);
      // The attacks: the outsider received nothing, and no strictly confidential document reached the adviser.
      expect(endpoint.received(`/${elders.systeem}`)).toEqual([]);
      expect(
        endpoint
          .received(`/${adviseur.systeem}`)
          .some(
            (r) =>
              r.id ===
              (log.get(owId) ?? []).find(
                (e) =>
                  e.type === 'nl.ketens.document-toegevoegd' &&
                  (e.data as { documentId: string }).documentId === 'GEHEIM',
              )?.id,
          ),
      ).toBe(false);
    } finally {
      await bypass.close();
      await endpoint.close();
    }
  });
});
