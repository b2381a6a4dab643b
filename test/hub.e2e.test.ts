import { exampleCaseIds, exampleOrganisations, makeEvent } from '@ketenhub/events/testing';
import { seedDemo } from '@ketenhub/infra/demo';
import { createKafkaClient, parseBrokers, topicOffsets } from '@ketenhub/kafka';
import { test as base, describe, expect } from '@ketenhub/testkit';
import { eventually, type HubProcesses, json, runHub } from './support/hub';

/**
 * The whole hub as processes (registry, gateway, projection), fed the way `npm start` feeds it:
 * systems registered at the registry, the demo chain cases published over HTTP through the
 * gateway, and case workers reading the joined case from the projection.
 */
const test = base.extend<{ hub: HubProcesses }>({
  hub: [
    async ({ testDb, kafka }, use) =>
      runHub({ testDb, kafka }, ['registry', 'gateway', 'projection'], use, {
        PROJECTION_DEADLINE_SCAN_MS: '1000',
      }),
    { scope: 'file' },
  ],
});

interface CaseBody {
  id: string;
  domein: string;
  fase: string;
  deelnemers: { oin: string; rol: string }[];
  klokken: { soort: string; deadline: string; verlopen: boolean }[];
  aantalEvents?: number;
  client?: { bsn?: string };
  wmo?: { onderzoek?: unknown; toewijzingen?: Record<string, unknown>; beschikking?: unknown };
  peildatum?: string;
}

async function caseWorkerToken(hub: HubProcesses, oin: string, roles: string[], sub = 'medewerker-1') {
  const res = await fetch(`${hub.url('registry')}/dev/tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${hub.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ oin, sub, roles }),
  });
  expect(res.status).toBe(201);
  return (await json<{ token: string }>(res)).token;
}

const getCase = (hub: HubProcesses, id: string, token: string) =>
  fetch(`${hub.url('projection')}/cases/${id}`, { headers: { authorization: `Bearer ${token}` } });

describe('the hub end to end', () => {
  test('demo chain cases travel from case systems through Kafka to every case worker', async ({ hub }) => {
    const seeded = await seedDemo({
      registryUrl: hub.url('registry'),
      gatewayUrl: hub.url('gateway'),
      adminToken: hub.adminToken,
    });
    expect(seeded.summary).toMatch(/\d+ events/);

    const gemeente = await caseWorkerToken(hub, exampleOrganisations.gemeente.oin, ['gemeente']);
    let last = '';
    const wmoCase = await eventually(
      async () => {
        const res = await getCase(hub, exampleCaseIds.wmo, gemeente);
        const text = await res.text();
        last = `HTTP ${res.status} ${text.slice(0, 400)}`;
        if (res.status !== 200) return undefined;
        const body = JSON.parse(text) as CaseBody;
        return body.fase === 'afgesloten' ? body : undefined;
      },
      'the WMO chain case in the projection',
      60_000,
      () => last,
    );
    expect(wmoCase.domein).toBe('wmo');
    expect(wmoCase.deelnemers.map((d) => d.rol).sort()).toEqual(
      expect.arrayContaining(['cak', 'gemeente', 'zorgaanbieder']),
    );
    expect(wmoCase.klokken.length).toBeGreaterThan(0);
    expect(wmoCase.wmo?.onderzoek).toBeDefined();
    expect(wmoCase.client?.bsn).toMatch(/^\d{9}$/);

    // The care provider sees its toewijzing, not the onderzoek, and no BSN-free fields leak.
    const zorgaanbieder = await caseWorkerToken(hub, exampleOrganisations.zorgaanbieder.oin, [
      'zorgaanbieder',
    ]);
    const providerView = await json<CaseBody>(await getCase(hub, exampleCaseIds.wmo, zorgaanbieder));
    expect(Object.keys(providerView.wmo?.toewijzingen ?? {})).not.toHaveLength(0);
    expect(providerView.wmo?.onderzoek).toBeUndefined();

    // An organisation outside the chain learns nothing, not even that the case exists.
    const buitenstaander = await caseWorkerToken(hub, '00000099777777777000', ['gemeente']);
    const hidden = await getCase(hub, exampleCaseIds.wmo, buitenstaander);
    expect(hidden.status).toBe(404);
    expect(hidden.headers.get('content-type')).toMatch(/application\/problem\+json/);

    // The permit request: its legal clock runs.
    const bevoegdGezag = await caseWorkerToken(hub, exampleOrganisations['bevoegd-gezag'].oin, [
      'bevoegd-gezag',
    ]);
    const permit = await eventually(async () => {
      const res = await getCase(hub, exampleCaseIds.omgevingswet, bevoegdGezag);
      return res.status === 200 ? json<CaseBody>(res) : undefined;
    }, 'the Omgevingswet chain case');
    expect(permit.domein).toBe('omgevingswet');
    expect(permit.klokken.some((k) => !k.verlopen)).toBe(true);
  });

  test('invalid events are refused with a problem naming the field, and never reach Kafka', async ({
    hub,
    kafka,
  }) => {
    const client = createKafkaClient({ brokers: parseBrokers(kafka.brokers), clientId: 'e2e-check' });
    const total = async () =>
      (await topicOffsets(client, `${hub.topicPrefix}wmo`)).reduce((sum, p) => sum + Number(p.high), 0);
    const before = await total();

    // A registered system, so only the event itself is wrong.
    const register = await fetch(`${hub.url('registry')}/systems`, {
      method: 'POST',
      headers: { authorization: `Bearer ${hub.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        oin: '00000099100000001000',
        name: 'e2e-wmo',
        roles: ['gemeente'],
        domains: ['wmo'],
        publishes: ['nl.ketens.ketenzaak-geopend', 'nl.wmo.melding-ontvangen'],
      }),
    });
    expect(register.status).toBe(201);
    const { token, source } = await json<{ token: string; source: string }>(register);

    const valid = makeEvent('nl.wmo.melding-ontvangen', undefined, { as: 'gemeente' });
    const post = (body: unknown) =>
      fetch(`${hub.url('gateway')}/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/cloudevents+json' },
        body: JSON.stringify(body),
      });

    const bsnAsSubject = await post({ ...valid, source, subject: '999993653' });
    expect(bsnAsSubject.status).toBe(422);
    const problem = await json<{ errors: { field: string; rule: string }[] }>(bsnAsSubject);
    expect(problem.errors.map((e) => e.field)).toContain('subject');

    const otherSource = await post({ ...valid, source: exampleOrganisations.zorgaanbieder.source });
    expect(otherSource.status).toBe(403);

    const unauthenticated = await fetch(`${hub.url('gateway')}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify(valid),
    });
    expect(unauthenticated.status).toBe(401);

    expect(await total()).toBe(before);
  });

  test('a projection killed with SIGKILL restarts to exactly the same joined case', async ({ hub }) => {
    const gemeente = await caseWorkerToken(hub, exampleOrganisations.gemeente.oin, ['gemeente']);
    const stable = (c: CaseBody) => ({ ...c, peildatum: undefined });
    const beforeKill = stable(await json<CaseBody>(await getCase(hub, exampleCaseIds.wmo, gemeente)));
    await hub.kill('projection');
    await hub.start('projection');
    const afterRestart = stable(await json<CaseBody>(await getCase(hub, exampleCaseIds.wmo, gemeente)));
    expect(afterRestart).toEqual(beforeKill);
  });

  test('services stop cleanly on SIGTERM', async ({ hub }) => {
    expect(await hub.stop('gateway')).toBe(0);
    await hub.start('gateway');
  });
});
