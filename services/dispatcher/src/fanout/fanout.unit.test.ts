import { type AccessState, emptyAccess, type Viewer, zichtOpEvent } from '@ketenhub/access';
import { exampleAccessContext as ctx, givenCase } from '@ketenhub/access/testing';
import {
  type EventData,
  type EventType,
  eventDefinitions,
  type KetenEvent,
  sourceFor,
  validateEnvelope,
} from '@ketenhub/events';
import {
  exampleBsns,
  makeEvent,
  omgevingswetLifecycle,
  exampleOrganisations as org,
  stableUuid,
  wmoLifecycle,
} from '@ketenhub/events/testing';
import { describe, expect, test } from 'vitest';
import { type KnownSubscription, toKnownSubscription } from '../subscriptions/subscription-record';
import { type BatchEvent, deliveryBody, foldCase, recipients, type SubscriptionsByOin } from './fanout';

const WMO = '6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f';
const OW = '0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d';
const allTypes = eventDefinitions.map((d) => d.type);
const outsider = { oin: '00000099700000007000', source: sourceFor('00000099700000007000', 'buiten') };

let n = 0;
const sub = (oin: string, roles: string[], types: readonly string[] = allTypes): KnownSubscription => ({
  id: `sub-${++n}`,
  oin,
  roles,
  types: new Set(types),
  revision: 1,
  queues: true,
});

/** The directory's index for a fixed set of subscriptions. */
function index(subs: readonly KnownSubscription[]) {
  return (type: string): SubscriptionsByOin => {
    const byOin = new Map<string, KnownSubscription[]>();
    for (const s of subs)
      if (s.queues && s.types.has(type)) byOin.set(s.oin, [...(byOin.get(s.oin) ?? []), s]);
    return byOin;
  };
}

let offset = 0;
const batchEvent = (event: KetenEvent): BatchEvent => ({
  event,
  value: Buffer.from(JSON.stringify(event), 'utf8'),
  traceparent: null,
  topic: 'wmo',
  partition: 0,
  offset: String(offset++),
});

/**
 * Folds `events` as the consumer does: in batches, the state stored between them as JSON (the
 * jsonb column), and returns the deliveries in queue order.
 */
function fanOut(
  events: readonly KetenEvent[],
  subs: readonly KnownSubscription[],
  batchSizes = [events.length],
) {
  let state: AccessState | undefined;
  const deliveries: ReturnType<typeof foldCase>['deliveries'] = [];
  let i = 0;
  for (let b = 0; i < events.length; b++) {
    const size = batchSizes[b % batchSizes.length] ?? events.length;
    const f = foldCase(state, events.slice(i, i + size).map(batchEvent), ctx, index(subs));
    i += size;
    deliveries.push(...f.deliveries);
    state = JSON.parse(JSON.stringify(f.state)) as AccessState;
  }
  return { deliveries, state };
}

const viewerOf = (s: KnownSubscription): Viewer => ({ oin: s.oin, roles: s.roles });
const role = (r: keyof typeof org, roles: string[] = [r]) => sub(org[r].oin, roles);

describe('fan-out follows the hub’s access rule (the dispatcher’s side of the conformance test)', () => {
  const cases: [string, KetenEvent[]][] = [
    ['WMO', wmoLifecycle(WMO)],
    ['WMO, extended', wmoLifecycle(WMO, { verlengd: true })],
    ['Omgevingswet, regular', omgevingswetLifecycle(OW)],
    ['Omgevingswet, extended', omgevingswetLifecycle(OW, { procedure: 'uitgebreid' })],
  ];
  const subscribers = () => [
    role('gemeente'),
    role('zorgaanbieder'),
    role('cak'),
    // The CAK's organisation with a system registered in more roles than it has in the case.
    role('cak', ['cak', 'gemeente']),
    // Systems registered in roles their organisation does not have in the case: only what is
    // about the organisation itself (its admission, its invitation), nothing of the case.
    role('zorgaanbieder', ['gemeente']),
    role('adviseur', ['bevoegd-gezag', 'omgevingsdienst']),
    role('bevoegd-gezag'),
    role('omgevingsdienst'),
    role('adviseur'),
    sub(outsider.oin, ['gemeente', 'zorgaanbieder', 'cak', 'adviseur']),
  ];

  for (const [name, events] of cases) {
    test(`${name}: per subscription exactly what givenCase(...).delivered(viewer) says, in log order`, () => {
      const subs = subscribers();
      const oracle = givenCase(events);
      // One batch, one event per batch, and batches of uneven sizes: the same decisions.
      for (const sizes of [[events.length], [1], [3, 1, 7, 2]]) {
        const { deliveries } = fanOut(events, subs, sizes);
        for (const s of subs) {
          const expected = oracle.delivered(viewerOf(s)).map((i) => events[i]!.id);
          const got = deliveries.filter((d) => d.subscriptionId === s.id).map((d) => d.eventId);
          expect(got, `${s.oin} as ${s.roles.join('+')}`).toEqual(expected);
        }
      }
    });

    test(`${name}: full events go byte for byte, partly visible ones as the rule's redacted copy`, () => {
      const subs = subscribers();
      const oracle = givenCase(events);
      const { deliveries } = fanOut(events, subs);
      for (const d of deliveries) {
        const s = subs.find((x) => x.id === d.subscriptionId)!;
        const i = events.findIndex((e) => e.id === d.eventId);
        const zicht = oracle.zicht(viewerOf(s), i, 'levering')!;
        if (zicht.zicht === 'volledig') {
          expect(d.body.equals(Buffer.from(JSON.stringify(events[i]), 'utf8'))).toBe(true);
        } else {
          const copy = JSON.parse(d.body.toString('utf8'));
          expect(copy).toEqual({ ...events[i], redactie: zicht.redactie, data: zicht.data });
          expect(validateEnvelope(copy).ok).toBe(true);
        }
      }
    });
  }

  test('the CAK gets the stop of care only as dates, never a declaratie or toewijzing, nothing before it joined', () => {
    const events = wmoLifecycle(WMO);
    const cak = role('cak', ['cak', 'gemeente']);
    const { deliveries } = fanOut(events, [cak]);
    const types = deliveries.map((d) => d.eventType);
    expect(types).not.toContain('nl.wmo.declaratie-ingediend');
    expect(types).not.toContain('nl.wmo.toewijzing-verzonden');
    expect(types).not.toContain('nl.wmo.melding-ontvangen');
    // Care started before the CAK was invited: a webhook is never history.
    expect(types).not.toContain('nl.wmo.zorg-gestart');
    const stopped = JSON.parse(
      deliveries.find((d) => d.eventType === 'nl.wmo.zorg-gestopt')!.body.toString(),
    );
    expect(stopped).toMatchObject({
      type: 'nl.wmo.zorg-gestopt',
      redactie: 'zorg-datums',
      data: { toewijzingNummer: 400123456, einddatum: expect.any(String) },
    });
    expect(Object.keys(stopped.data)).toEqual(['toewijzingNummer', 'einddatum']);
  });

  test('the index asks the rule for the same subscriptions a scan of all of them would find', () => {
    const events = omgevingswetLifecycle(OW, { procedure: 'uitgebreid' });
    const subs = [...subscribers(), sub(org.adviseur.oin, ['adviseur'], ['nl.ketens.document-toegevoegd'])];
    const oracle = givenCase(events);
    let state = emptyAccess();
    for (const [i, event] of events.entries()) {
      const f = foldCase(state, [batchEvent(event)], ctx, index(subs));
      state = f.state;
      const scan = subs.filter(
        (s) =>
          s.types.has(event.type) &&
          zichtOpEvent(state, event, viewerOf(s), { verdict: oracle.verdicts[i]!, uitgang: 'levering' }),
      );
      const indexed = recipients(state, event, oracle.verdicts[i]!, index(subs)(event.type));
      expect(indexed.map((r) => r.subscription.id).sort()).toEqual(scan.map((s) => s.id).sort());
    }
  });
});

describe('what an outsider or a non-owner publishes changes nothing', () => {
  const ev = <T extends EventType>(type: T, data: EventData<T>, source: string, subject = WMO) =>
    makeEvent(type, data, {
      subject,
      source,
      id: stableUuid(`${type}|${source}|${JSON.stringify(data)}`),
    }) as KetenEvent;
  const opened = wmoLifecycle(WMO).slice(0, 1);

  test('a self-join, a non-owner add and forged facts grant nothing and are delivered to nobody', () => {
    const selfJoin = ev(
      'nl.ketens.deelnemer-aangesloten',
      { oin: outsider.oin, rol: 'gemeente', systeem: 'buiten', zaakreferentie: 'X', toegang: 'volledig' },
      outsider.source,
    );
    const provider = ev(
      'nl.ketens.deelnemer-aangesloten',
      {
        oin: org.zorgaanbieder.oin,
        rol: 'zorgaanbieder',
        systeem: 'ecd',
        zaakreferentie: 'C',
        toegang: 'beperkt',
      },
      org.gemeente.source,
    );
    // The provider (a participant, no owner) adds the outsider.
    const nonOwnerAdd = ev(
      'nl.ketens.deelnemer-aangesloten',
      { oin: outsider.oin, rol: 'cak', systeem: 'buiten', zaakreferentie: 'Y', toegang: 'volledig' },
      org.zorgaanbieder.source,
    );
    const forged = ev(
      'nl.wmo.melding-ontvangen',
      { bsn: exampleBsns[1], gemeentecode: '0999', meldingsdatum: '2026-03-02' },
      outsider.source,
    );
    const later = makeEvent('nl.wmo.toewijzing-verzonden', undefined, { subject: WMO }) as KetenEvent;
    const events = [...opened, selfJoin, provider, nonOwnerAdd, forged, later];
    const them = sub(outsider.oin, ['gemeente', 'cak']);
    const gemeente = role('gemeente');
    const { deliveries, state } = fanOut(events, [them, gemeente], [1]);
    expect(deliveries.filter((d) => d.subscriptionId === them.id)).toEqual([]);
    // The gemeente gets its case's own events, never the outsider's forged melding.
    expect(deliveries.filter((d) => d.subscriptionId === gemeente.id).map((d) => d.eventId)).toEqual([
      opened[0]!.id,
      provider.id,
      later.id,
    ]);
    expect(state!.deelnames.map((d) => d.oin)).toEqual([org.gemeente.oin, org.zorgaanbieder.oin]);
  });

  test('a re-published access event changes nothing (the state says so), and the rebuild queues nothing', () => {
    const events = wmoLifecycle(WMO);
    const first = foldCase(undefined, events.map(batchEvent), ctx, index([role('gemeente')]));
    const again = foldCase(first.state, events.slice(0, 12).map(batchEvent), ctx, index([role('gemeente')]));
    expect(again.changed).toBe(false);
    expect(again.state).toEqual(first.state);
    const rebuilt = foldCase(
      undefined,
      events.map((e) => ({ ...batchEvent(e), rebuildOnly: true })),
      ctx,
      index([role('gemeente')]),
    );
    expect(rebuilt.deliveries).toEqual([]);
    expect(rebuilt.state).toEqual(first.state);
  });
});

describe('subscriptions and delivered bodies', () => {
  const record = {
    version: 1 as const,
    id: '3f0c8a52-1d7e-4b7a-9a57-0b7f6f4c2e11',
    systemId: '4f0c8a52-1d7e-4b7a-9a57-0b7f6f4c2e11',
    oin: org.cak.oin,
    url: 'https://ieb.example/hooks',
    types: ['nl.wmo.eigen-bijdrage-gestart'],
    status: 'active' as const,
    systemRevoked: false,
    secretVersion: 1,
    previousSecretValidUntil: null,
    revision: 1,
    updatedAt: '2026-03-02T09:00:00.000Z',
  };

  test('a record without roles (an older registry) queues nothing; with roles, deleted or revoked neither', () => {
    expect(toKnownSubscription(record).queues).toBe(false);
    expect(toKnownSubscription({ ...record, roles: [] }).queues).toBe(false);
    expect(toKnownSubscription({ ...record, roles: ['cak'] })).toMatchObject({
      queues: true,
      roles: ['cak'],
    });
    expect(toKnownSubscription({ ...record, roles: ['cak'], status: 'deleted' }).queues).toBe(false);
    expect(toKnownSubscription({ ...record, roles: ['cak'], systemRevoked: true }).queues).toBe(false);
    expect(toKnownSubscription({ ...record, roles: ['cak'], status: 'paused' }).queues).toBe(true);
  });

  test('every redaction of the catalog gives a copy that passes the envelope rules, without BSN when so redacted', () => {
    let redactions = 0;
    for (const d of eventDefinitions) {
      const event = makeEvent(d.type, undefined, {
        dataschema: `https://ketenhub.example/schemas/${d.type}.json`,
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      }) as KetenEvent;
      const value = Buffer.from(JSON.stringify(event), 'utf8');
      const data = event.data as Record<string, unknown>;
      const zichten = [];
      const z = d.zichtbaarheid;
      if (z.soort === 'sectie' && z.beperkt) {
        const velden = z.beperkt.velden;
        zichten.push({
          redactie: z.beperkt.sectie,
          data: Object.fromEntries(Object.entries(data).filter(([k]) => velden.includes(k))),
        });
      }
      if (JSON.stringify(data).includes('"bsn"')) {
        const { bsn: _bsn, ...rest } = data;
        zichten.push({ redactie: 'zonder-bsn', data: rest });
      }
      for (const { redactie, data: redacted } of zichten) {
        redactions++;
        const body = deliveryBody(event, value, {
          zicht: 'beperkt',
          data: redacted,
          redactie,
          conflict: false,
        });
        const copy = JSON.parse(body!.toString('utf8'));
        expect(validateEnvelope(copy), d.type).toMatchObject({ ok: true });
        expect(copy).toMatchObject({ id: event.id, type: d.type, redactie, data: redacted });
        expect(copy.traceparent).toBe(event.traceparent);
        expect(copy.dataschema).toBeUndefined();
        if (redactie === 'zonder-bsn')
          for (const bsn of exampleBsns) expect(body!.toString()).not.toContain(bsn);
      }
    }
    expect(redactions).toBeGreaterThanOrEqual(2);
  });

  test('in full: the record value itself, not a re-serialisation', () => {
    const event = makeEvent('nl.wmo.toewijzing-verzonden', undefined, {}) as KetenEvent;
    // Extra spaces: bytes no re-serialisation would give back.
    const value = Buffer.from(JSON.stringify(event, null, 1), 'utf8');
    const body = deliveryBody(event, value, {
      zicht: 'volledig',
      data: event.data as Record<string, unknown>,
      conflict: false,
    });
    expect(body).toBe(value);
  });
});
