import { type EventData, type EventType, type KetenEvent, sourceFor } from '@ketenhub/events';
import {
  makeEvent,
  omgevingswetLifecycle,
  exampleOrganisations as org,
  stableUuid,
  wmoLifecycle,
} from '@ketenhub/events/testing';
import { describe, expect, it } from 'vitest';
import { isEigenaar, judge, type Verdict } from './participation';
import { emptyAccess } from './state';
import { exampleAccessContext as ctx, givenCase } from './testing';

const WMO = '11111111-2222-4333-8444-555555555555';
const OW = '22222222-3333-4444-8555-666666666666';
const outsider = { oin: '00000099700000007000', source: sourceFor('00000099700000007000', 'buiten') };

let n = 0;
/** The next event of a test case, published by `as` (a role's example organisation) or a source. */
function ev<T extends EventType>(
  type: T,
  data: EventData<T>,
  as: keyof typeof org | { source: string },
  subject = WMO,
): KetenEvent {
  n++;
  const source = typeof as === 'string' ? org[as].source : as.source;
  return makeEvent(type, data, {
    subject,
    source,
    time: `2026-03-02T09:${String(n % 60).padStart(2, '0')}:00.000Z`,
    id: stableUuid(`test-${n}`),
  }) as KetenEvent;
}

const opened = (subject = WMO, domein: 'wmo' | 'omgevingswet' = 'wmo') =>
  domein === 'wmo'
    ? ev(
        'nl.ketens.ketenzaak-geopend',
        { domein, oin: org.gemeente.oin, rol: 'gemeente', systeem: 'zaaksysteem', zaakreferentie: 'Z-1' },
        'gemeente',
        subject,
      )
    : ev(
        'nl.ketens.ketenzaak-geopend',
        {
          domein,
          oin: org['bevoegd-gezag'].oin,
          rol: 'bevoegd-gezag',
          systeem: 'vth',
          zaakreferentie: 'OLO-1',
          procedure: 'regulier',
        },
        'bevoegd-gezag',
        subject,
      );

const added = (
  who: keyof typeof org,
  rol: EventData<'nl.ketens.deelnemer-aangesloten'>['rol'],
  by: keyof typeof org | { source: string },
  toegang: 'beperkt' | 'volledig' = 'beperkt',
  subject = WMO,
) =>
  ev(
    'nl.ketens.deelnemer-aangesloten',
    { oin: org[who].oin, rol, systeem: org[who].systeem, zaakreferentie: `REF-${who}`, toegang },
    by,
    subject,
  );

const refusal = (v: Verdict) => (v.ok ? 'ok' : v.regel);

describe('participation is granted by the case owners, never claimed (WMO)', () => {
  it('the lifecycles are entitled step by step: every event of both chains passes', () => {
    for (const events of [
      wmoLifecycle(WMO),
      wmoLifecycle(WMO, { verlengd: true }),
      omgevingswetLifecycle(OW),
      omgevingswetLifecycle(OW, { procedure: 'uitgebreid' }),
    ]) {
      const { verdicts } = givenCase(events);
      expect(verdicts.map(refusal).filter((r) => r !== 'ok')).toEqual([]);
    }
  });

  it('the opener takes part with full access and owns participation', () => {
    const c = givenCase([opened()]);
    expect(c.state.deelnames).toMatchObject([
      {
        oin: org.gemeente.oin,
        rol: 'gemeente',
        toegang: 'volledig',
        status: 'actief',
        via: 'geopend',
        sinds: 1,
      },
    ]);
    expect(isEigenaar(c.state, org.gemeente.oin)).toBe(true);
  });

  it('an organisation that only knows the case id cannot join it, in any role', () => {
    const c = givenCase([opened()]);
    for (const rol of ['zorgaanbieder', 'gemeente', 'cak'] as const) {
      const self = ev(
        'nl.ketens.deelnemer-aangesloten',
        { oin: outsider.oin, rol, systeem: 'buiten', zaakreferentie: 'X', toegang: 'volledig' },
        outsider,
      );
      const { verdict, state } = c.when(self);
      expect(refusal(verdict)).toBe('geen-deelnemer');
      expect(state.deelnames).toHaveLength(1);
    }
  });

  it('a participant cannot add itself in an owner role, nor add others, nor raise its own access', () => {
    const c = givenCase([opened(), added('zorgaanbieder', 'zorgaanbieder', 'gemeente')]);
    const selfAsOwner = ev(
      'nl.ketens.deelnemer-aangesloten',
      {
        oin: org.zorgaanbieder.oin,
        rol: 'gemeente',
        systeem: 'ecd',
        zaakreferentie: 'X',
        toegang: 'volledig',
      },
      'zorgaanbieder',
    );
    expect(refusal(c.when(selfAsOwner).verdict)).toBe('geen-deelname-eigenaar');
    expect(refusal(c.when(added('cak', 'cak', 'zorgaanbieder')).verdict)).toBe('geen-deelname-eigenaar');
    const raise = ev(
      'nl.ketens.toegang-gewijzigd',
      { oin: org.zorgaanbieder.oin, rol: 'zorgaanbieder', toegang: 'volledig' },
      'zorgaanbieder',
    );
    expect(refusal(c.when(raise).verdict)).toBe('geen-deelname-eigenaar');
    expect(c.state.deelnames.find((d) => d.rol === 'zorgaanbieder')?.toegang).toBe('beperkt');
  });

  it('an owner cannot add itself in another role or change its own participation', () => {
    const ow = givenCase([
      opened(OW, 'omgevingswet'),
      added('omgevingsdienst', 'omgevingsdienst', 'bevoegd-gezag', 'volledig', OW),
    ]);
    expect(isEigenaar(ow.state, org.omgevingsdienst.oin)).toBe(true);
    const asAdviser = ev(
      'nl.ketens.deelnemer-aangesloten',
      {
        oin: org.omgevingsdienst.oin,
        rol: 'adviseur',
        systeem: 'vth-od',
        zaakreferentie: 'X',
        toegang: 'volledig',
      },
      'omgevingsdienst',
      OW,
    );
    expect(refusal(ow.when(asAdviser).verdict)).toBe('zelf-aansluiten');
    const ownAccess = ev(
      'nl.ketens.toegang-gewijzigd',
      { oin: org.omgevingsdienst.oin, rol: 'omgevingsdienst', toegang: 'beperkt' },
      'omgevingsdienst',
      OW,
    );
    expect(refusal(ow.when(ownAccess).verdict)).toBe('eigen-deelname');
    const removeOpener = ev(
      'nl.ketens.deelnemer-verwijderd',
      { oin: org['bevoegd-gezag'].oin, rol: 'bevoegd-gezag' },
      'omgevingsdienst',
      OW,
    );
    expect(refusal(ow.when(removeOpener).verdict)).toBe('opener-blijft');
  });

  it('a limited-access participant in an owner role is no owner', () => {
    const c = givenCase([
      opened(OW, 'omgevingswet'),
      added('omgevingsdienst', 'omgevingsdienst', 'bevoegd-gezag', 'beperkt', OW),
    ]);
    expect(isEigenaar(c.state, org.omgevingsdienst.oin)).toBe(false);
    expect(refusal(c.when(added('adviseur', 'adviseur', 'omgevingsdienst', 'beperkt', OW)).verdict)).toBe(
      'geen-deelname-eigenaar',
    );
  });

  it('only owners change access levels; the change holds and a re-sent add does not undo it', () => {
    const add = added('zorgaanbieder', 'zorgaanbieder', 'gemeente');
    const raise = ev(
      'nl.ketens.toegang-gewijzigd',
      { oin: org.zorgaanbieder.oin, rol: 'zorgaanbieder', toegang: 'volledig' },
      'gemeente',
    );
    const c = givenCase([opened(), add, raise, add]);
    expect(c.verdicts.map(refusal)).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(c.state.deelnames.find((d) => d.rol === 'zorgaanbieder')?.toegang).toBe('volledig');
  });

  it('an invitation is answered only by the invited organisation, once; until then it does not take part', () => {
    const uitnodigingId = stableUuid('inv-1');
    const invite = ev(
      'nl.ketens.deelnemer-uitgenodigd',
      { uitnodigingId, oin: org.cak.oin, rol: 'cak', toegang: 'beperkt' },
      'gemeente',
    );
    const accept = (as: keyof typeof org) =>
      ev('nl.ketens.uitnodiging-aanvaard', { uitnodigingId, systeem: 'ieb', zaakreferentie: 'EB-1' }, as);
    const c = givenCase([opened(), invite]);
    expect(c.state.deelnames.map((d) => d.oin)).toEqual([org.gemeente.oin]);
    const early = ev(
      'nl.wmo.retourbericht-verzonden',
      { heenbericht: 'WMO405', retourcodes: ['0200'], geaccepteerd: true },
      'cak',
    );
    expect(refusal(c.when(early).verdict)).toBe('geen-deelnemer');
    expect(refusal(c.when(accept('zorgaanbieder')).verdict)).toBe('niet-de-genodigde');
    const accepted = givenCase([opened(), invite, accept('cak')]);
    expect(accepted.state.deelnames.find((d) => d.oin === org.cak.oin)).toMatchObject({
      rol: 'cak',
      toegang: 'beperkt',
      systeem: 'ieb',
      zaakreferentie: 'EB-1',
      via: 'uitnodiging',
      verleendDoor: org.gemeente.oin,
      sinds: 3,
    });
    expect(refusal(accepted.when(accept('cak')).verdict)).toBe('uitnodiging-niet-open');
    const revoked = givenCase([
      opened(),
      invite,
      ev('nl.ketens.uitnodiging-ingetrokken', { uitnodigingId }, 'gemeente'),
    ]);
    expect(refusal(revoked.when(accept('cak')).verdict)).toBe('uitnodiging-niet-open');
    const declined = givenCase([
      opened(),
      invite,
      ev('nl.ketens.uitnodiging-afgewezen', { uitnodigingId, reden: 'n.v.t.' }, 'cak'),
    ]);
    expect(declined.state.uitnodigingen[uitnodigingId]?.status).toBe('afgewezen');
    expect(declined.state.deelnames.some((d) => d.oin === org.cak.oin)).toBe(false);
  });

  it('a removed participant can publish nothing from its removal on; an owner can add it again', () => {
    const removal = ev(
      'nl.ketens.deelnemer-verwijderd',
      { oin: org.zorgaanbieder.oin, rol: 'zorgaanbieder', reden: 'overgedragen' },
      'gemeente',
    );
    const c = givenCase([opened(), added('zorgaanbieder', 'zorgaanbieder', 'gemeente'), removal]);
    expect(c.state.deelnames.find((d) => d.rol === 'zorgaanbieder')).toMatchObject({
      status: 'verwijderd',
      tot: 3,
    });
    const zorg = ev(
      'nl.wmo.zorg-gestart',
      {
        toewijzingNummer: 1,
        zorgaanbieder: '98123456',
        productcategorie: '02',
        productcode: '02A05',
        begindatum: '2026-03-10',
      },
      'zorgaanbieder',
    );
    expect(refusal(c.when(zorg).verdict)).toBe('geen-deelnemer');
    const again = c.when(added('zorgaanbieder', 'zorgaanbieder', 'gemeente'));
    expect(refusal(again.verdict)).toBe('ok');
    expect(again.state.deelnames.find((d) => d.rol === 'zorgaanbieder')).toMatchObject({
      status: 'actief',
      sinds: 4,
    });
  });

  it('a case is opened once, by an organisation for itself', () => {
    const forOther = ev(
      'nl.ketens.ketenzaak-geopend',
      { domein: 'wmo', oin: org.gemeente.oin, rol: 'gemeente', systeem: 'x', zaakreferentie: 'Z' },
      outsider,
    );
    expect(refusal(judge(emptyAccess(), forOther, ctx))).toBe('eigen-organisatie');
    const c = givenCase([opened()]);
    const second = ev(
      'nl.ketens.ketenzaak-geopend',
      { domein: 'wmo', oin: outsider.oin, rol: 'gemeente', systeem: 'buiten', zaakreferentie: 'Z' },
      outsider,
    );
    expect(refusal(c.when(second).verdict)).toBe('al-geopend');
  });

  it('domain facts need a participant in an owner role; the hub publishes clock events without taking part', () => {
    const c = givenCase([opened(), added('zorgaanbieder', 'zorgaanbieder', 'gemeente')]);
    const melding = ev(
      'nl.wmo.melding-ontvangen',
      { bsn: '999993653', gemeentecode: '0999', meldingsdatum: '2026-03-02' },
      'zorgaanbieder',
    );
    expect(refusal(c.when(melding).verdict)).toBe('geen-eigenaar');
    const verstreken = ev(
      'nl.ketens.termijn-verstreken',
      {
        termijn: 'wmo-onderzoek',
        grondslag: 'Wmo 2015 art. 2.3.2 lid 1',
        startdatum: '2026-03-02',
        termijnEinde: '2026-04-13',
        opgeschorteDagen: 0,
        verlengd: false,
        klok: 'Europe/Amsterdam',
      },
      'ketenhub',
    );
    expect(refusal(c.when(verstreken).verdict)).toBe('ok');
    expect(refusal(c.when({ ...verstreken, source: org.gemeente.source }).verdict)).toBe('geen-eigenaar');
  });
});

describe('actieverzoeken and advice are answered by the organisation asked (Omgevingswet)', () => {
  const base = () => [
    opened(OW, 'omgevingswet'),
    added('omgevingsdienst', 'omgevingsdienst', 'bevoegd-gezag', 'volledig', OW),
    added('adviseur', 'adviseur', 'omgevingsdienst', 'beperkt', OW),
  ];
  const actieverzoekId = stableUuid('av-1');
  const verzonden = (van = org.omgevingsdienst.oin, aan = org.adviseur.oin) =>
    ev(
      'nl.ketens.actieverzoek-verzonden',
      { actieverzoekId, status: 'OPEN', soort: 'adviesverzoek', van, aan, omschrijving: 'Advies' },
      'omgevingsdienst',
      OW,
    );

  it('the sender is the publisher itself and the receiver takes part', () => {
    const c = givenCase(base());
    expect(refusal(c.when(verzonden(org['bevoegd-gezag'].oin)).verdict)).toBe('eigen-organisatie');
    expect(refusal(c.when(verzonden(undefined, outsider.oin)).verdict)).toBe('ontvanger-geen-deelnemer');
    expect(refusal(c.when(verzonden()).verdict)).toBe('ok');
  });

  it('only the receiver answers and only the sender accepts', () => {
    const c = givenCase([...base(), verzonden()]);
    const take = (as: keyof typeof org) =>
      ev(
        'nl.ketens.actieverzoek-in-behandeling-genomen',
        { actieverzoekId, status: 'IN_BEHANDELING' },
        as,
        OW,
      );
    expect(refusal(c.when(take('bevoegd-gezag')).verdict)).toBe('niet-de-ontvanger');
    expect(refusal(c.when(take('adviseur')).verdict)).toBe('ok');
    const done = (as: keyof typeof org) =>
      ev('nl.ketens.actieverzoek-afgerond', { actieverzoekId, status: 'GEREED' }, as, OW);
    expect(refusal(c.when(done('adviseur')).verdict)).toBe('niet-de-verzoeker');
    expect(refusal(c.when(done('omgevingsdienst')).verdict)).toBe('ok');
  });

  it('advice answers a known request and comes from the adviser asked, not another one', () => {
    const other = { oin: '00000099600000016000', source: sourceFor('00000099600000016000', 'waterschap') };
    const c = givenCase([
      ...base(),
      ev(
        'nl.ketens.deelnemer-aangesloten',
        {
          oin: other.oin,
          rol: 'adviseur',
          systeem: 'waterschap',
          zaakreferentie: 'WS-1',
          toegang: 'beperkt',
        },
        'bevoegd-gezag',
        OW,
      ),
      ev(
        'nl.omgevingswet.advies-gevraagd',
        {
          adviesverzoekId: 'AV-1',
          adviseur: org.adviseur.oin,
          verzoekdatum: '2026-03-10',
          onderwerp: 'Brandveiligheid',
        },
        'omgevingsdienst',
        OW,
      ),
    ]);
    const advies = (as: keyof typeof org | { source: string }, adviesverzoekId = 'AV-1') =>
      ev(
        'nl.omgevingswet.advies-gegeven',
        { adviesverzoekId, adviesdatum: '2026-03-20', strekking: 'positief' },
        as,
        OW,
      );
    expect(refusal(c.when(advies(other)).verdict)).toBe('niet-de-gevraagde-adviseur');
    expect(refusal(c.when(advies('adviseur', 'AV-404')).verdict)).toBe('onbekend-adviesverzoek');
    expect(refusal(c.when(advies('adviseur')).verdict)).toBe('ok');
    const toOutsider = ev(
      'nl.omgevingswet.advies-gevraagd',
      { adviesverzoekId: 'AV-2', adviseur: outsider.oin, verzoekdatum: '2026-03-10', onderwerp: 'Water' },
      'omgevingsdienst',
      OW,
    );
    expect(refusal(c.when(toOutsider).verdict)).toBe('adviseur-geen-deelnemer');
  });
});

describe('old logs', () => {
  it('self-joins and non-owner adds from before the rule grant nothing and are kept as refusals', () => {
    // The log as the earlier rules let it be written: the provider joined on its own, then added the CAK.
    const selfJoin = ev(
      'nl.ketens.deelnemer-aangesloten',
      {
        oin: org.zorgaanbieder.oin,
        rol: 'zorgaanbieder',
        systeem: 'ecd',
        zaakreferentie: 'CL-1',
        toegang: 'volledig',
      },
      'zorgaanbieder',
    );
    const log = [opened(), selfJoin, added('cak', 'cak', 'zorgaanbieder')];
    const c = givenCase(log);
    expect(c.verdicts.map(refusal)).toEqual(['ok', 'geen-deelnemer', 'geen-deelnemer']);
    expect(c.state.deelnames.map((d) => d.oin)).toEqual([org.gemeente.oin]);
    // The same log folded twice (two instances, a rebuild) gives the same state.
    expect(givenCase(log).state).toEqual(c.state);
  });
});
