import { randomUUID } from 'node:crypto';
import { type AccessState, applyAccess, emptyAccess, gezienSleutel } from '@ketenhub/access';
import type { KnownSystem } from '@ketenhub/directory';
import { type EventData, type EventType, sourceFor } from '@ketenhub/events';
import { makeEvent, exampleOrganisations as org } from '@ketenhub/events/testing';
import { errorStatus } from '@ketenhub/service';
import { describe, expect, test } from 'vitest';
import { checkEvent, type ValidEvent } from '../check/checks';
import { type RouteContext, routeEvent, ruleEventOf } from './route';

const CASE = '11111111-2222-4333-8444-555555555555';

function system(oin: string, name: string, roles: string[], revoked = false): KnownSystem {
  return {
    id: randomUUID(),
    oin,
    name,
    source: sourceFor(oin, name),
    roles: new Set(roles),
    domains: new Set(['wmo']),
    publishes: new Set<string>(),
    consumes: new Set<string>(),
    kafkaNative: false,
    tokenSha256: null,
    revoked,
  };
}

const gemeente = system(org.gemeente.oin, org.gemeente.systeem, ['gemeente']);
const zorg = system(org.zorgaanbieder.oin, org.zorgaanbieder.systeem, ['zorgaanbieder']);
const cak = system(org.cak.oin, org.cak.systeem, ['cak']);
const registered = new Map([gemeente, zorg, cak].map((s) => [`${s.oin} ${s.name}`, s]));
const ctx: RouteContext = {
  hubOin: org.ketenhub.oin,
  systemNamed: (oin, name) => registered.get(`${oin} ${name}`),
};

/** The event through the pure checks, as ingest gets it (with `by`'s source). */
function valid<T extends EventType>(type: T, by: KnownSystem, data?: EventData<T>): ValidEvent {
  const raw = makeEvent(type, data, { subject: CASE, source: by.source, id: randomUUID() });
  const checked = checkEvent({ source: by.source, publishes: new Set([type]) }, raw);
  if (!checked.ok) throw new Error(checked.refusal.detail);
  return checked;
}

/** routeEvent's answer as `ok` or the rule it names. */
function route(by: KnownSystem, v: ValidEvent, state: AccessState | undefined): string {
  const r = routeEvent(by, ruleEventOf(v), state, ctx);
  return r.ok ? `ok ${r.domain}` : `${errorStatus[r.refusal.code]} ${r.refusal.violations?.[0]?.rule}`;
}

/** The state after these events, each accepted by the rule. */
function given(...events: ValidEvent[]): AccessState {
  const state = emptyAccess();
  for (const e of events) expect(applyAccess(state, ruleEventOf(e), ctx).ok).toBe(true);
  return state;
}

const opening = () => valid('nl.ketens.ketenzaak-geopend', gemeente);
const addZorg = (data?: Partial<EventData<'nl.ketens.deelnemer-aangesloten'>>) =>
  valid('nl.ketens.deelnemer-aangesloten', gemeente, {
    oin: zorg.oin,
    rol: 'zorgaanbieder',
    systeem: zorg.name,
    zaakreferentie: 'CL-1',
    toegang: 'beperkt',
    ...data,
  });
const uitnodigingId = randomUUID();
const inviteCak = () =>
  valid('nl.ketens.deelnemer-uitgenodigd', gemeente, {
    uitnodigingId,
    oin: cak.oin,
    rol: 'cak',
    toegang: 'beperkt',
  });
const accept = (by: KnownSystem) =>
  valid('nl.ketens.uitnodiging-aanvaard', by, { uitnodigingId, systeem: by.name, zaakreferentie: 'EB-1' });

describe('routeEvent: the access rule and what only the registry knows', () => {
  test('an opening: registered domain and role, a new case id, for the own organisation', () => {
    expect(route(gemeente, opening(), undefined)).toBe('ok wmo');
    const open = given(opening());
    expect(route(gemeente, opening(), open)).toBe('409 case-exists');
    const noRole = system(gemeente.oin, 'portaal', ['zorgaanbieder']);
    expect(route(noRole, valid('nl.ketens.ketenzaak-geopend', noRole), undefined)).toBe(
      '403 registered-role',
    );
    const permit = valid('nl.ketens.ketenzaak-geopend', gemeente, {
      domein: 'omgevingswet',
      oin: gemeente.oin,
      rol: 'bevoegd-gezag',
      systeem: 'vth',
      zaakreferentie: 'OLO-1',
    });
    expect(route(gemeente, permit, undefined)).toBe('403 registered-domain');
    const forOther = valid('nl.ketens.ketenzaak-geopend', zorg);
    expect(route(system(zorg.oin, zorg.name, ['gemeente']), forOther, undefined)).toBe(
      '403 eigen-organisatie',
    );
  });

  test('every other event needs an open case of its domain', () => {
    expect(route(gemeente, valid('nl.wmo.melding-ontvangen', gemeente), undefined)).toBe('422 case-unknown');
    expect(route(gemeente, addZorg(), undefined)).toBe('422 case-unknown');
    const open = given(opening());
    expect(route(gemeente, valid('nl.wmo.melding-ontvangen', gemeente), open)).toBe('ok wmo');
    expect(route(gemeente, valid('nl.omgevingswet.aanvraag-ontvangen', gemeente), open)).toBe(
      '422 case-domain',
    );
  });

  test('participation is granted by an owner, never claimed', () => {
    const open = given(opening());
    expect(route(gemeente, addZorg(), open)).toBe('ok wmo');
    const selfJoin = valid('nl.ketens.deelnemer-aangesloten', zorg, {
      oin: zorg.oin,
      rol: 'zorgaanbieder',
      systeem: zorg.name,
      zaakreferentie: 'CL-1',
      toegang: 'volledig',
    });
    expect(route(zorg, selfJoin, open)).toBe('403 geen-deelnemer');
    expect(route(zorg, valid('nl.wmo.zorg-gestart', zorg), open)).toBe('403 geen-deelnemer');
    const joined = given(opening(), addZorg());
    expect(route(zorg, valid('nl.wmo.zorg-gestart', zorg), joined)).toBe('ok wmo');
    const raise = valid('nl.ketens.toegang-gewijzigd', zorg, {
      oin: zorg.oin,
      rol: 'zorgaanbieder',
      toegang: 'volledig',
    });
    expect(route(zorg, raise, joined)).toBe('403 geen-deelname-eigenaar');
  });

  test('an organisation is added with a system registered, not revoked, in that role', () => {
    const open = given(opening());
    expect(route(gemeente, addZorg({ systeem: 'onbekend' }), open)).toBe('403 unknown-system');
    expect(route(gemeente, addZorg({ rol: 'cak' }), open)).toBe('403 registered-role');
    registered.set(`${zorg.oin} oud`, system(zorg.oin, 'oud', ['zorgaanbieder'], true));
    expect(route(gemeente, addZorg({ systeem: 'oud' }), open)).toBe('403 unknown-system');
  });

  test('an invitation is accepted by the invited organisation with a system in the invited role', () => {
    const invited = given(opening(), inviteCak());
    expect(route(cak, accept(cak), invited)).toBe('ok wmo');
    expect(route(zorg, accept(zorg), invited)).toBe('403 niet-de-genodigde');
    const otherCakSystem = system(cak.oin, 'portaal', ['zorgaanbieder']);
    expect(route(otherCakSystem, accept(otherCakSystem), invited)).toBe('403 registered-role');
  });

  test('a refusal names the field, the rule and the rule’s explanation', () => {
    const r = routeEvent(zorg, ruleEventOf(valid('nl.wmo.zorg-gestart', zorg)), given(opening()), ctx);
    if (r.ok) throw new Error('accepted');
    expect(r.refusal.code).toBe('forbidden');
    expect(r.refusal.violations).toEqual([
      {
        field: 'subject',
        rule: 'geen-deelnemer',
        message: expect.stringMatching(/^subject: this organisation does not take part/),
      },
    ]);
  });

  test('the rule reads time and data from the value only when it needs them', () => {
    const melding = valid('nl.wmo.melding-ontvangen', gemeente);
    // A value that is no JSON at all: deciding a domain event must not parse it.
    const unparsed = { ...melding, value: Buffer.from('not json') };
    expect(route(gemeente, unparsed, given(opening()))).toBe('ok wmo');
    const add = addZorg();
    expect(ruleEventOf(add).data).toMatchObject({ oin: zorg.oin, rol: 'zorgaanbieder' });
    expect(ruleEventOf(add).time).toBe(JSON.parse(add.value.toString()).time);
  });
});

test('ingest recognises a re-sent access event by the key the fold records it under', () => {
  const open = opening();
  const state = given(open);
  expect(state.gezien).toEqual([gezienSleutel(open.source, open.id)]);
});
