import { randomUUID } from 'node:crypto';
import { type AccessState, applyAccess, emptyAccess } from '@ketenhub/access';
import { exampleAccessContext, givenCase } from '@ketenhub/access/testing';
import { verifyWebhook } from '@ketenhub/client';
import { migrateToLatest } from '@ketenhub/db';
import {
  type CaseDomain,
  caseDomains,
  type EventData,
  type EventType,
  type KetenEvent,
  mayConsume,
  type PublisherRole,
  sourceFor,
  validateEnvelope,
} from '@ketenhub/events';
import {
  exampleData,
  omgevingswetLifecycle,
  exampleOrganisations as org,
  wmoLifecycle,
} from '@ketenhub/events/testing';
import { topicOffsets } from '@ketenhub/kafka';
import { describe, expect } from '@ketenhub/testkit';
import { sql } from 'kysely';
import { dispatcherMigrations, dispatcherSchema } from '../src/migrations';
import { subscriptionsTopicName } from '../src/subscriptions/subscription-record';
import { consumable, ev, type Org, wmoOpened } from './events';
import { type Hub, sleep, hubTest as test, until } from './harness';

/**
 * Webhooks follow the hub's one access rule (issue 12, item 3). Every event here is written straight
 * to Kafka, past the gateway: what the dispatcher delivers must hold whatever reaches the log.
 */

const other = (oin: string, systeem: string): Org => ({ oin, systeem, source: sourceFor(oin, systeem) });
const outsider = other('00000099700000007000', 'buiten');
const waterschap = other('00000099600000016000', 'waterschap');
const bg = org['bevoegd-gezag'];
const od = org.omgevingsdienst;

const example = <T extends EventType>(type: T, change: Partial<EventData<T>> = {}) =>
  ({ ...structuredClone(exampleData[type]), ...change }) as EventData<T>;

const owOpened = (caseId: string) =>
  ev(
    'nl.ketens.ketenzaak-geopend',
    {
      domein: 'omgevingswet',
      oin: bg.oin,
      rol: 'bevoegd-gezag',
      systeem: bg.systeem,
      zaakreferentie: 'OLO-1',
      procedure: 'regulier',
    },
    bg,
    caseId,
  );
const added = (
  who: Org,
  rol: EventData<'nl.ketens.deelnemer-aangesloten'>['rol'],
  toegang: 'beperkt' | 'volledig',
  by: Org,
  caseId: string,
) =>
  ev(
    'nl.ketens.deelnemer-aangesloten',
    { oin: who.oin, rol, systeem: who.systeem, zaakreferentie: `REF-${who.systeem}`, toegang },
    by,
    caseId,
  );

/** A registered system of `who` in `roles`, subscribed to `types` (default: all it may receive). */
async function subscribe(
  hub: Hub,
  who: Org,
  roles: PublisherRole[],
  domain: CaseDomain,
  options: { types?: string[]; name?: string } = {},
) {
  const receiver = await hub.receiver();
  const consumes = consumable(roles, domain);
  const sub = await hub.registry.subscriber(
    { oin: who.oin, name: options.name ?? who.systeem, roles, consumes, domains: [domain] },
    receiver.url,
    options.types,
  );
  return { ...sub, receiver, oin: who.oin, roles };
}

const ids = (events: readonly KetenEvent[]) => events.map((e) => e.id);

describe('webhooks follow the hub’s access rule', () => {
  test('an outsider that knows a case id gets no webhook, whatever it publishes', async ({ hub }) => {
    const gemeente = await subscribe(hub, org.gemeente, ['gemeente'], 'wmo');
    const them = await subscribe(hub, outsider, ['gemeente', 'zorgaanbieder', 'cak'], 'wmo');
    await hub.dispatcher();
    const caseId = randomUUID();
    const opened = wmoOpened(caseId);
    const provider = added(org.zorgaanbieder, 'zorgaanbieder', 'beperkt', org.gemeente, caseId);
    const attempts = [
      // Joins itself, in an owner role and with full access.
      added(outsider, 'gemeente', 'volledig', outsider, caseId),
      added(outsider, 'zorgaanbieder', 'volledig', outsider, caseId),
      // A participant that owns nothing adds it.
      added(outsider, 'cak', 'volledig', org.zorgaanbieder, caseId),
      // Invites itself, accepts an invitation nobody made, raises an access level it does not have.
      ev(
        'nl.ketens.deelnemer-uitgenodigd',
        example('nl.ketens.deelnemer-uitgenodigd', { uitnodigingId: randomUUID(), oin: outsider.oin }),
        outsider,
        caseId,
      ),
      ev(
        'nl.ketens.uitnodiging-aanvaard',
        example('nl.ketens.uitnodiging-aanvaard', { uitnodigingId: randomUUID(), systeem: outsider.systeem }),
        outsider,
        caseId,
      ),
      ev(
        'nl.ketens.toegang-gewijzigd',
        { oin: outsider.oin, rol: 'cak', toegang: 'volledig' },
        outsider,
        caseId,
      ),
      // Facts of its own.
      ev('nl.wmo.melding-ontvangen', undefined, outsider, caseId),
      ev('nl.wmo.zorg-gestart', undefined, outsider, caseId),
    ];
    const legit = [
      ev('nl.wmo.melding-ontvangen', undefined, org.gemeente, caseId),
      ev('nl.wmo.toewijzing-verzonden', undefined, org.gemeente, caseId),
      ev('nl.wmo.eigen-bijdrage-gestart', undefined, org.gemeente, caseId),
    ];
    await hub.publish([opened, provider, ...attempts, ...legit]);

    await hub.untilQueued(gemeente.id, legit.at(-1)!.id);
    expect(await hub.queued(them.id)).toEqual([]);
    // The case's own participant gets its events, and none of the outsider's (conflicts are never delivered).
    expect(await hub.queued(gemeente.id)).toEqual(ids([opened, provider, ...legit]));
    const state = await sql<{ state: AccessState }>`
      select state from dispatcher.case_access where case_id = ${caseId}`.execute(hub.db);
    expect(state.rows[0]?.state.deelnames.map((d) => d.oin)).toEqual([
      org.gemeente.oin,
      org.zorgaanbieder.oin,
    ]);
    await sleep(300);
    expect(them.receiver.received).toEqual([]);
  });

  test('a limited-access partner never receives a strictly confidential document; after an owner raises its access it does', async ({
    hub,
  }) => {
    const dienst = await subscribe(hub, od, ['omgevingsdienst'], 'omgevingswet');
    const adviseur = await subscribe(hub, org.adviseur, ['adviseur'], 'omgevingswet', {
      types: ['nl.ketens.document-toegevoegd', 'nl.ketens.toegang-gewijzigd'],
    });
    await hub.dispatcher();
    const caseId = randomUUID();
    const doc = (id: string, vertrouwelijkheid: 'regulier' | 'strikt', by: Org = bg) =>
      ev(
        'nl.ketens.document-toegevoegd',
        example('nl.ketens.document-toegevoegd', { documentId: id, vertrouwelijkheid }),
        by,
        caseId,
      );
    const strict1 = doc('D-1', 'strikt');
    const regular = doc('D-2', 'regulier');
    const raised = ev(
      'nl.ketens.toegang-gewijzigd',
      { oin: org.adviseur.oin, rol: 'adviseur', toegang: 'volledig' },
      bg,
      caseId,
    );
    const strict2 = doc('D-3', 'strikt', od);
    await hub.publish(
      [
        owOpened(caseId),
        added(od, 'omgevingsdienst', 'volledig', bg, caseId),
        added(org.adviseur, 'adviseur', 'beperkt', bg, caseId),
        strict1,
        regular,
        raised,
        strict2,
      ],
      'omgevingswet',
    );
    await hub.untilQueued(adviseur.id, strict2.id);
    expect(await hub.queued(adviseur.id)).toEqual(ids([regular, raised, strict2]));
    expect(
      (await hub.queued(dienst.id)).filter((id) => [strict1.id, regular.id, strict2.id].includes(id)),
    ).toEqual(ids([strict1, regular, strict2]));
  });

  test('actieverzoeken reach only their sender and receiver', async ({ hub }) => {
    const types = [
      'nl.ketens.actieverzoek-verzonden',
      'nl.ketens.actieverzoek-in-behandeling-genomen',
      'nl.ketens.actieverzoek-gereedgemeld',
      'nl.ketens.actieverzoek-afgerond',
    ];
    const gezag = await subscribe(hub, bg, ['bevoegd-gezag'], 'omgevingswet', { types });
    const dienst = await subscribe(hub, od, ['omgevingsdienst'], 'omgevingswet', { types });
    const adviseur = await subscribe(hub, org.adviseur, ['adviseur'], 'omgevingswet', {
      types: types.filter((t) => consumable(['adviseur'], 'omgevingswet').includes(t as EventType)),
    });
    await hub.dispatcher();
    const caseId = randomUUID();
    const actieverzoekId = randomUUID();
    const flow = [
      ev(
        'nl.ketens.actieverzoek-verzonden',
        example('nl.ketens.actieverzoek-verzonden', { actieverzoekId, van: od.oin, aan: org.adviseur.oin }),
        od,
        caseId,
      ),
      ev(
        'nl.ketens.actieverzoek-in-behandeling-genomen',
        { actieverzoekId, status: 'IN_BEHANDELING' },
        org.adviseur,
        caseId,
      ),
      ev(
        'nl.ketens.actieverzoek-gereedgemeld',
        { actieverzoekId, status: 'GEREEDGEMELD' },
        org.adviseur,
        caseId,
      ),
      ev('nl.ketens.actieverzoek-afgerond', { actieverzoekId, status: 'GEREED' }, od, caseId),
    ];
    // The authority itself, a participant with full access, is neither sender nor receiver.
    const sentinel = ev('nl.ketens.document-toegevoegd', undefined, bg, caseId);
    const watcher = await subscribe(hub, bg, ['bevoegd-gezag'], 'omgevingswet', {
      name: 'vth-watch',
      types: ['nl.ketens.document-toegevoegd'],
    });
    await hub.publish(
      [
        owOpened(caseId),
        added(od, 'omgevingsdienst', 'volledig', bg, caseId),
        added(org.adviseur, 'adviseur', 'beperkt', bg, caseId),
        ...flow,
        sentinel,
      ],
      'omgevingswet',
    );
    await hub.untilQueued(watcher.id, sentinel.id);
    expect(await hub.queued(gezag.id)).toEqual([]);
    expect(await hub.queued(dienst.id)).toEqual(ids(flow));
    const forAdviser = flow.filter((e) => adviseur.roles.some((r) => mayConsume(e.type as EventType, r)));
    expect(await hub.queued(adviseur.id)).toEqual(ids(forAdviser));
    expect(forAdviser.length).toBeGreaterThanOrEqual(3);
  });

  test('advice and consent reach only the authority and the adviser concerned (two advisers)', async ({
    hub,
  }) => {
    const types = [
      'nl.omgevingswet.advies-gevraagd',
      'nl.omgevingswet.advies-gegeven',
      'nl.omgevingswet.instemming-gevraagd',
      'nl.omgevingswet.instemming-verleend',
    ];
    const gezag = await subscribe(hub, bg, ['bevoegd-gezag'], 'omgevingswet', { types });
    const mayGet = (t: string) => mayConsume(t as EventType, 'adviseur');
    const brand = await subscribe(hub, org.adviseur, ['adviseur'], 'omgevingswet', {
      types: types.filter(mayGet),
    });
    const water = await subscribe(hub, waterschap, ['adviseur'], 'omgevingswet', {
      types: types.filter(mayGet),
    });
    await hub.dispatcher();
    const caseId = randomUUID();
    const ask = (id: string, adviseur: Org) =>
      ev(
        'nl.omgevingswet.advies-gevraagd',
        example('nl.omgevingswet.advies-gevraagd', { adviesverzoekId: id, adviseur: adviseur.oin }),
        bg,
        caseId,
      );
    const give = (id: string, by: Org) =>
      ev(
        'nl.omgevingswet.advies-gegeven',
        example('nl.omgevingswet.advies-gegeven', { adviesverzoekId: id }),
        by,
        caseId,
      );
    const brandAsked = ask('AV-BRAND', org.adviseur);
    const waterAsked = ask('AV-WATER', waterschap);
    const consentAsked = ev(
      'nl.omgevingswet.instemming-gevraagd',
      example('nl.omgevingswet.instemming-gevraagd', {
        instemmingsverzoekId: 'IV-WATER',
        adviseur: waterschap.oin,
      }),
      bg,
      caseId,
    );
    const brandGave = give('AV-BRAND', org.adviseur);
    const waterGave = give('AV-WATER', waterschap);
    // The fire adviser answering the water board's request: not the one asked, a conflict.
    const meddling = give('AV-WATER', org.adviseur);
    const consented = ev(
      'nl.omgevingswet.instemming-verleend',
      example('nl.omgevingswet.instemming-verleend', { instemmingsverzoekId: 'IV-WATER' }),
      waterschap,
      caseId,
    );
    await hub.publish(
      [
        owOpened(caseId),
        added(org.adviseur, 'adviseur', 'beperkt', bg, caseId),
        added(waterschap, 'adviseur', 'beperkt', bg, caseId),
        brandAsked,
        waterAsked,
        consentAsked,
        brandGave,
        meddling,
        waterGave,
        consented,
      ],
      'omgevingswet',
    );
    await hub.untilQueued(gezag.id, consented.id);
    expect(await hub.queued(gezag.id)).toEqual(
      ids([brandAsked, waterAsked, consentAsked, brandGave, waterGave, consented]),
    );
    const own = (events: KetenEvent[]) => ids(events.filter((e) => mayGet(e.type)));
    expect(await hub.queued(brand.id)).toEqual(own([brandAsked, brandGave]));
    expect(await hub.queued(water.id)).toEqual(own([waterAsked, consentAsked, waterGave, consented]));
    expect(await hub.queued(water.id)).toContain(waterAsked.id);
  });

  test('clock events reach only the roles that see that clock', async ({ hub }) => {
    const clockType = ['nl.ketens.termijn-verstreken'];
    const gemeente = await subscribe(hub, org.gemeente, ['gemeente'], 'wmo', { types: clockType });
    const provider = await subscribe(hub, org.zorgaanbieder, ['zorgaanbieder'], 'wmo', { types: clockType });
    const gezag = await subscribe(hub, bg, ['bevoegd-gezag'], 'omgevingswet', { types: clockType });
    const adviseur = await subscribe(hub, org.adviseur, ['adviseur'], 'omgevingswet', { types: clockType });
    await hub.dispatcher();
    const wmo = randomUUID();
    const ow = randomUUID();
    const verstreken = (termijn: EventData<'nl.ketens.termijn-verstreken'>['termijn'], caseId: string) =>
      ev(
        'nl.ketens.termijn-verstreken',
        example('nl.ketens.termijn-verstreken', { termijn }),
        org.ketenhub,
        caseId,
      );
    const wmoClock = verstreken('wmo-beschikking', wmo);
    const owClock = verstreken('omgevingswet-beslistermijn-regulier', ow);
    const default_ = verstreken('ingebrekestelling', ow);
    // Forged: an organisation that is not the hub claims a term passed.
    const forged = ev(
      'nl.ketens.termijn-verstreken',
      example('nl.ketens.termijn-verstreken', { termijn: 'omgevingswet-beslistermijn-regulier' }),
      bg,
      ow,
    );
    await hub.publish([
      wmoOpened(wmo),
      added(org.zorgaanbieder, 'zorgaanbieder', 'volledig', org.gemeente, wmo),
      wmoClock,
    ]);
    await hub.publish(
      [owOpened(ow), added(org.adviseur, 'adviseur', 'beperkt', bg, ow), forged, owClock, default_],
      'omgevingswet',
    );
    await hub.untilQueued(gemeente.id, wmoClock.id);
    await hub.untilQueued(gezag.id, default_.id);
    expect(await hub.queued(gemeente.id)).toEqual([wmoClock.id]);
    expect(await hub.queued(provider.id)).toEqual([]);
    expect(await hub.queued(gezag.id)).toEqual([owClock.id, default_.id]);
    expect(await hub.queued(adviseur.id)).toEqual([owClock.id]);
  });

  test('a removed participant receives its removal and nothing after; what it publishes then is nobody’s', async ({
    hub,
  }) => {
    const provider = await subscribe(hub, org.zorgaanbieder, ['zorgaanbieder'], 'wmo');
    const gemeente = await subscribe(hub, org.gemeente, ['gemeente'], 'wmo', {
      types: ['nl.wmo.zorg-gestart', 'nl.wmo.toewijzing-verzonden'],
    });
    await hub.dispatcher();
    const caseId = randomUUID();
    const join = added(org.zorgaanbieder, 'zorgaanbieder', 'beperkt', org.gemeente, caseId);
    const before = ev('nl.wmo.toewijzing-verzonden', undefined, org.gemeente, caseId);
    const removed = ev(
      'nl.ketens.deelnemer-verwijderd',
      { oin: org.zorgaanbieder.oin, rol: 'zorgaanbieder', reden: 'Zorg overgedragen' },
      org.gemeente,
      caseId,
    );
    const after = ev('nl.wmo.toewijzing-verzonden', undefined, org.gemeente, caseId);
    const late = ev('nl.wmo.zorg-gestart', undefined, org.zorgaanbieder, caseId);
    const last = ev('nl.wmo.toewijzing-verzonden', undefined, org.gemeente, caseId);
    await hub.publish([wmoOpened(caseId), join, before, removed, after, late, last]);
    await hub.untilQueued(gemeente.id, last.id);
    expect(await hub.queued(provider.id)).toEqual(ids([join, before, removed]));
    expect(await hub.queued(gemeente.id)).toEqual(ids([before, after, last]));
  });

  test('an invitee receives its invitation and nothing else until it accepts; one that declines, its decline', async ({
    hub,
  }) => {
    const cak = await subscribe(hub, org.cak, ['cak'], 'wmo');
    const provider = await subscribe(hub, org.zorgaanbieder, ['zorgaanbieder'], 'wmo');
    const gemeente = await subscribe(hub, org.gemeente, ['gemeente'], 'wmo', {
      types: ['nl.wmo.eigen-bijdrage-gestopt'],
    });
    await hub.dispatcher();
    const caseId = randomUUID();
    const cakInvite = randomUUID();
    const providerInvite = randomUUID();
    const invited = ev(
      'nl.ketens.deelnemer-uitgenodigd',
      example('nl.ketens.deelnemer-uitgenodigd', { uitnodigingId: cakInvite, oin: org.cak.oin, rol: 'cak' }),
      org.gemeente,
      caseId,
    );
    const providerInvited = ev(
      'nl.ketens.deelnemer-uitgenodigd',
      {
        uitnodigingId: providerInvite,
        oin: org.zorgaanbieder.oin,
        rol: 'zorgaanbieder',
        toegang: 'beperkt',
      },
      org.gemeente,
      caseId,
    );
    const meanwhile = [
      ev('nl.wmo.beschikking-afgegeven', undefined, org.gemeente, caseId),
      ev('nl.wmo.eigen-bijdrage-gestart', undefined, org.gemeente, caseId),
      ev('nl.wmo.toewijzing-verzonden', undefined, org.gemeente, caseId),
    ];
    const declined = ev(
      'nl.ketens.uitnodiging-afgewezen',
      { uitnodigingId: providerInvite },
      org.zorgaanbieder,
      caseId,
    );
    const accepted = ev(
      'nl.ketens.uitnodiging-aanvaard',
      { uitnodigingId: cakInvite, systeem: org.cak.systeem, zaakreferentie: 'EB-1' },
      org.cak,
      caseId,
    );
    const afterwards = [
      ev('nl.wmo.beschikking-afgegeven', undefined, org.gemeente, caseId),
      ev('nl.wmo.toewijzing-verzonden', undefined, org.gemeente, caseId),
      ev('nl.wmo.eigen-bijdrage-gestopt', undefined, org.gemeente, caseId),
    ];
    await hub.publish([
      wmoOpened(caseId),
      invited,
      providerInvited,
      ...meanwhile,
      declined,
      accepted,
      ...afterwards,
    ]);
    await hub.untilQueued(gemeente.id, afterwards.at(-1)!.id);
    // The CAK: its invitation, its acceptance, then what its role sees and its system consumes
    // (the eigen bijdrage; not the toewijzing). The eigen bijdrage started meanwhile is not among it.
    const forCak = afterwards.filter((e) => mayConsume(e.type as EventType, 'cak'));
    expect(forCak.map((e) => e.type)).toEqual(['nl.wmo.eigen-bijdrage-gestopt']);
    expect(await hub.queued(cak.id)).toEqual(ids([invited, accepted, ...forCak]));
    expect(await hub.queued(provider.id)).toEqual(ids([providerInvited, declined]));
  });

  test('a CAK system receives a redacted nl.wmo.zorg-gestart: dates only, marked, signed, a valid CloudEvent', async ({
    hub,
  }) => {
    // The registry binds roles to systems, not to organisations: a system of the CAK registered
    // also as gemeente may consume zorg-gestart; taking part in the case as cak, it sees what the
    // CAK sees of it. (A system registered as cak alone may not subscribe to zorg-gestart.)
    const cak = await subscribe(hub, org.cak, ['cak', 'gemeente'], 'wmo', { types: ['nl.wmo.zorg-gestart'] });
    const gemeente = await subscribe(hub, org.gemeente, ['gemeente'], 'wmo', {
      types: ['nl.wmo.zorg-gestart'],
    });
    await hub.dispatcher();
    const caseId = randomUUID();
    const started = ev('nl.wmo.zorg-gestart', undefined, org.zorgaanbieder, caseId);
    await hub.publish([
      wmoOpened(caseId),
      added(org.zorgaanbieder, 'zorgaanbieder', 'beperkt', org.gemeente, caseId),
      added(org.cak, 'cak', 'beperkt', org.gemeente, caseId),
      started,
    ]);
    await until(
      () => cak.receiver.accepted().length >= 1 && gemeente.receiver.accepted().length >= 1,
      'deliveries',
    );
    const got = cak.receiver.received[0]!;
    expect(verifyWebhook({ secret: cak.secret, headers: got.headers, body: got.body })).toMatchObject({
      ok: true,
    });
    const copy = JSON.parse(got.body);
    const care = started.data as EventData<'nl.wmo.zorg-gestart'>;
    expect(copy).toEqual({
      ...started,
      redactie: 'zorg-datums',
      data: { toewijzingNummer: care.toewijzingNummer, begindatum: care.begindatum },
    });
    expect(validateEnvelope(copy).ok).toBe(true);
    // Which provider gives which care (category, product) is not the CAK's business.
    expect(got.body).not.toContain(care.zorgaanbieder);
    expect(got.body).not.toContain(care.productcode);
    // The gemeente sees care in full: the record value, byte for byte.
    expect(gemeente.receiver.received[0]?.body).toBe(JSON.stringify(started));
  });

  test('a subscription record without roles (an older registry) gets nothing; once the roles arrive it does', async ({
    hub,
  }) => {
    const receiver = await hub.receiver();
    const gemeente = await subscribe(hub, org.gemeente, ['gemeente'], 'wmo', {
      types: ['nl.wmo.toewijzing-verzonden'],
    });
    const id = randomUUID();
    const record = (revision: number, roles?: string[]) => ({
      version: 1,
      id,
      systemId: randomUUID(),
      oin: org.zorgaanbieder.oin,
      ...(roles ? { roles } : {}),
      url: receiver.url,
      types: ['nl.wmo.toewijzing-verzonden'],
      status: 'active',
      systemRevoked: false,
      secretVersion: 1,
      previousSecretValidUntil: null,
      revision,
      updatedAt: new Date().toISOString(),
    });
    const put = (value: object) =>
      hub.publisher.publish([
        { topic: subscriptionsTopicName(hub.prefix), key: id, value: JSON.stringify(value) },
      ]);
    await put(record(1));
    const dispatcher = await hub.dispatcher();
    const caseId = randomUUID();
    const first = ev('nl.wmo.toewijzing-verzonden', undefined, org.gemeente, caseId);
    await hub.publish([
      wmoOpened(caseId),
      added(org.zorgaanbieder, 'zorgaanbieder', 'beperkt', org.gemeente, caseId),
      first,
    ]);
    await hub.untilQueued(gemeente.id, first.id);
    expect(await hub.queued(id)).toEqual([]);
    expect(await dispatcher.status(id)).toMatchObject({ roles: null });

    await put(record(2, ['zorgaanbieder']));
    await until(async () => (await dispatcher.status(id)).roles !== null, 'the record with roles read');
    const second = ev('nl.wmo.toewijzing-verzonden', undefined, org.gemeente, caseId);
    await hub.publish([second]);
    await hub.untilQueued(id, second.id);
    expect(await hub.queued(id)).toEqual([second.id]);
  });
});

describe('the dispatcher’s side of the conformance test', () => {
  const lifecycles: [string, CaseDomain, (caseId: string) => KetenEvent[]][] = [
    ['WMO', 'wmo', (caseId) => wmoLifecycle(caseId)],
    [
      'Omgevingswet',
      'omgevingswet',
      (caseId) => {
        const events = omgevingswetLifecycle(caseId, { procedure: 'uitgebreid' });
        // And what the lifecycle lacks: a strict document, a clock, a removal and what follows it.
        return [
          ...events,
          ev(
            'nl.ketens.document-toegevoegd',
            example('nl.ketens.document-toegevoegd', { vertrouwelijkheid: 'strikt' }),
            bg,
            caseId,
          ),
          ev(
            'nl.ketens.termijn-verstreken',
            example('nl.ketens.termijn-verstreken', { termijn: 'omgevingswet-bezwaar' }),
            org.ketenhub,
            caseId,
          ),
          ev('nl.ketens.deelnemer-verwijderd', { oin: org.adviseur.oin, rol: 'adviseur' }, od, caseId),
          ev('nl.ketens.document-toegevoegd', undefined, bg, caseId),
        ];
      },
    ],
  ];

  for (const [name, domain, lifecycle] of lifecycles) {
    test(`${name}: what each subscription was delivered is givenCase(events).delivered(viewer), in order`, async ({
      hub,
    }) => {
      const subs =
        domain === 'wmo'
          ? [
              await subscribe(hub, org.gemeente, ['gemeente'], domain),
              await subscribe(hub, org.zorgaanbieder, ['zorgaanbieder'], domain),
              await subscribe(hub, org.cak, ['cak'], domain),
              await subscribe(hub, org.cak, ['cak', 'gemeente'], domain, { name: 'ieb-zorg' }),
              // In a role the provider does not have in the case: its own admission, nothing else.
              await subscribe(hub, org.zorgaanbieder, ['gemeente'], domain, { name: 'ecd-gem' }),
              await subscribe(hub, outsider, ['gemeente', 'zorgaanbieder', 'cak'], domain),
            ]
          : [
              await subscribe(hub, bg, ['bevoegd-gezag'], domain),
              await subscribe(hub, od, ['omgevingsdienst'], domain),
              await subscribe(hub, org.adviseur, ['adviseur'], domain),
              await subscribe(hub, outsider, ['bevoegd-gezag', 'adviseur'], domain),
            ];
      await hub.dispatcher();
      const caseId = randomUUID();
      const events = lifecycle(caseId);
      const oracle = givenCase(events);
      expect(oracle.verdicts.filter((v) => !v.ok)).toEqual([]);
      await hub.publish(events, domain);

      const expected = subs.map((s) => {
        const types = new Set(consumable(s.roles, domain) as string[]);
        return oracle.delivered({ oin: s.oin, roles: s.roles }).filter((i) => types.has(events[i]!.type));
      });
      await until(
        async () =>
          (await Promise.all(subs.map((s) => hub.queued(s.id)))).every(
            (q, k) => q.length >= expected[k]!.length,
          ),
        'every expected delivery queued',
      );
      await sleep(500);
      for (const [k, s] of subs.entries()) {
        const label = `${s.oin} as ${s.roles.join('+')}`;
        expect(await hub.queued(s.id), label).toEqual(expected[k]!.map((i) => events[i]!.id));
      }
      expect(expected.at(-1)).toEqual([]);
      expect(expected.slice(0, -1).every((e) => e.length > 0)).toBe(true);

      // What went over the wire: the event in full, or the rule's redacted copy.
      await until(
        () => subs.every((s, k) => s.receiver.accepted().length >= expected[k]!.length),
        'every delivery sent',
      );
      let redacted = 0;
      for (const [k, s] of subs.entries()) {
        const bodies = new Map(s.receiver.accepted().map((r) => [r.event.id, r.body]));
        for (const i of expected[k]!) {
          const zicht = oracle.zicht({ oin: s.oin, roles: s.roles }, i, 'levering')!;
          const body = bodies.get(events[i]!.id);
          if (zicht.zicht === 'volledig') expect(body).toBe(JSON.stringify(events[i]));
          else {
            redacted++;
            expect(JSON.parse(body!)).toEqual({ ...events[i], redactie: zicht.redactie, data: zicht.data });
          }
        }
      }
      if (domain === 'wmo') expect(redacted).toBeGreaterThan(0);
    });
  }
});

describe('upgrade from the participants table', () => {
  test('the access states are rebuilt from the log; nothing read before is queued again', async ({ hub }) => {
    const provider = await subscribe(hub, org.zorgaanbieder, ['zorgaanbieder'], 'wmo', {
      types: ['nl.wmo.toewijzing-verzonden', 'nl.ketens.deelnemer-aangesloten'],
    });
    const caseId = randomUUID();
    const history = [
      wmoOpened(caseId),
      added(org.zorgaanbieder, 'zorgaanbieder', 'beperkt', org.gemeente, caseId),
      ev('nl.wmo.toewijzing-verzonden', undefined, org.gemeente, caseId),
    ];
    // The dispatcher before the access model: its schema, and positions at the end of what it read.
    const first = Object.fromEntries(Object.entries(dispatcherMigrations).filter(([n]) => n < '2026-12-03'));
    await migrateToLatest(hub.db, first, { schema: dispatcherSchema });
    await hub.publish(history);
    const group = hub.groupId;
    for (const domain of caseDomains) {
      const topic = `${hub.prefix}${domain}`;
      for (const o of await topicOffsets(hub.kafka, topic)) {
        await sql`insert into dispatcher.consumer_positions (group_id, topic, partition, next_offset)
          values (${group}, ${topic}, ${o.partition}, ${o.high})`.execute(hub.db);
      }
    }

    await hub.dispatcher();
    const next = ev('nl.wmo.toewijzing-verzonden', undefined, org.gemeente, caseId);
    await hub.publish([next]);
    await hub.untilQueued(provider.id, next.id);
    expect(await hub.queued(provider.id)).toEqual([next.id]);
    const state = await sql<{ state: AccessState }>`
      select state from dispatcher.case_access where case_id = ${caseId}`.execute(hub.db);
    // What the dispatcher would have built reading the log live (positions are not counted).
    const expected = emptyAccess();
    for (const e of history) applyAccess(expected, e, exampleAccessContext, 0);
    expect(state.rows[0]?.state).toEqual(expected);
    expect(expected.deelnames).toHaveLength(2);
    const left = await sql`select * from dispatcher.access_rebuild`.execute(hub.db);
    expect(left.rows).toEqual([]);
  });
});
