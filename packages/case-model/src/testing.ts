import { randomUUID } from 'node:crypto';
import type { EventData, EventType, KetenEvent, PublisherRole } from '@ketenhub/events';
import { type EvolveContext, evolve, fold } from './evolve';
import type { CaseState } from './state';
import { type CaseAccess, filterTimelineEntry } from './viewer';

/**
 * Given/when/then helpers for the projection (STYLE.md #13): given these events, when this one,
 * then this joined case. Fixture organisations use 00000099 test OINs.
 */

const org = (oin: string, systeem: string) => ({
  oin,
  systeem,
  source: `urn:nld:oin:${oin}:systeem:${systeem}`,
});

export const orgs = {
  gemeente: org('00000099100000001000', 'zaaksysteem'),
  zorgaanbieder: org('00000099200000002000', 'ecd'),
  cak: org('00000099300000003000', 'ieb'),
  'bevoegd-gezag': org('00000099400000004000', 'vth'),
  omgevingsdienst: org('00000099500000005000', 'vth-od'),
  adviseur: org('00000099600000006000', 'adviesportaal'),
  /** A second adviser that was never asked. */
  andereAdviseur: org('00000099610000006000', 'adviesportaal'),
  /** An organisation that takes part in nothing. */
  buitenstaander: org('00000099700000007000', 'crm'),
  ketenhub: org('00000099900000009000', 'ketenhub'),
} as const;

export type OrgName = keyof typeof orgs;

export const testContext: EvolveContext = { hubOin: orgs.ketenhub.oin };

export const testBsn = '999993653';

/** Builds a valid-shaped event; `at` is a day (noon UTC) or a full timestamp. */
export function event<T extends EventType>(
  caseId: string,
  type: T,
  data: EventData<T>,
  options: { from: OrgName; at: string; id?: string },
): Extract<KetenEvent, { type: T }> {
  const time = options.at.length === 10 ? `${options.at}T12:00:00Z` : options.at;
  return {
    specversion: '1.0',
    id: options.id ?? randomUUID(),
    source: orgs[options.from].source,
    type,
    time,
    subject: caseId,
    datacontenttype: 'application/json',
    data,
  } as unknown as Extract<KetenEvent, { type: T }>;
}

/** A WMO chain from melding to eigen bijdrage (DOMAIN.md section 4), in the order it happens. */
export function wmoLifecycle(caseId: string): KetenEvent[] {
  let n = 0;
  const e = <T extends EventType>(type: T, data: EventData<T>, from: OrgName, at: string) =>
    event(caseId, type, data, { from, at, id: `${caseId}-${String(++n).padStart(3, '0')}` });
  return [
    e(
      'nl.ketens.ketenzaak-geopend',
      {
        domein: 'wmo',
        oin: orgs.gemeente.oin,
        rol: 'gemeente',
        systeem: 'zaaksysteem',
        zaakreferentie: 'ZAAK-2026-000123',
      },
      'gemeente',
      '2026-03-02T08:00:00Z',
    ),
    e(
      'nl.wmo.melding-ontvangen',
      { bsn: testBsn, gemeentecode: '0999', meldingsdatum: '2026-03-02', verwijzer: { soort: 'huisarts' } },
      'gemeente',
      '2026-03-02T08:00:01Z',
    ),
    e('nl.wmo.onderzoek-gestart', { startdatum: '2026-03-05' }, 'gemeente', '2026-03-05'),
    e(
      'nl.wmo.onderzoek-afgerond',
      { einddatum: '2026-03-23', verslagVerstrekt: true },
      'gemeente',
      '2026-03-23',
    ),
    e(
      'nl.wmo.aanvraag-ontvangen',
      { aanvraagdatum: '2026-03-24', productcategorieen: ['02'] },
      'gemeente',
      '2026-03-24',
    ),
    e(
      'nl.wmo.beschikking-afgegeven',
      {
        beschikkingsnummer: 'BS-2026-00871',
        besluitdatum: '2026-04-01',
        besluit: 'toegekend',
        voorzieningen: [
          {
            productcategorie: '02',
            productcode: '02A05',
            ingangsdatum: '2026-04-06',
            einddatum: '2027-04-05',
          },
        ],
      },
      'gemeente',
      '2026-04-01',
    ),
    e(
      'nl.ketens.deelnemer-aangesloten',
      {
        oin: orgs.zorgaanbieder.oin,
        naam: 'Zorg Thuis Voorbeeld B.V.',
        rol: 'zorgaanbieder',
        systeem: 'ecd',
        zaakreferentie: 'CL-88231',
        toegang: 'beperkt',
      },
      'gemeente',
      '2026-04-02T08:00:00Z',
    ),
    e(
      'nl.ketens.deelnemer-aangesloten',
      { oin: orgs.cak.oin, rol: 'cak', systeem: 'ieb', zaakreferentie: 'CAK-551', toegang: 'beperkt' },
      'gemeente',
      '2026-04-02T08:00:01Z',
    ),
    e(
      'nl.wmo.toewijzing-verzonden',
      {
        bsn: testBsn,
        gemeentecode: '0999',
        zorgaanbieder: '98123456',
        toewijzing: {
          toewijzingNummer: 400123456,
          productcategorie: '02',
          productcode: '02A05',
          ingangsdatum: '2026-04-06',
          einddatum: '2027-04-05',
          omvang: { volume: 4, eenheid: 'uur', frequentie: 'per-week' },
          toewijzingsdatum: '2026-04-02',
        },
      },
      'gemeente',
      '2026-04-02T09:00:00Z',
    ),
    e(
      'nl.wmo.retourbericht-verzonden',
      { heenbericht: 'WMO301', toewijzingNummer: 400123456, retourcodes: ['0200'], geaccepteerd: true },
      'zorgaanbieder',
      '2026-04-03',
    ),
    e(
      'nl.wmo.zorg-gestart',
      {
        toewijzingNummer: 400123456,
        zorgaanbieder: '98123456',
        productcategorie: '02',
        productcode: '02A05',
        begindatum: '2026-04-08',
      },
      'zorgaanbieder',
      '2026-04-08',
    ),
    e(
      'nl.wmo.eigen-bijdrage-gestart',
      {
        bsn: testBsn,
        gemeentecode: '0999',
        productcategorie: '02',
        ingangsdatum: '2026-04-08',
        aanleiding: 'start-zorg',
      },
      'gemeente',
      '2026-04-09',
    ),
    e(
      'nl.wmo.declaratie-ingediend',
      {
        declaratienummer: 'DCL-2026-04-0031',
        zorgaanbieder: '98123456',
        gemeentecode: '0999',
        begindatum: '2026-04-01',
        einddatum: '2026-04-30',
        totaalBedragInCenten: 78_400,
        prestaties: [
          {
            toewijzingNummer: 400123456,
            productcategorie: '02',
            productcode: '02A05',
            begindatum: '2026-04-08',
            einddatum: '2026-04-30',
            geleverdVolume: 14,
            eenheid: 'uur',
            bedragInCenten: 78_400,
          },
        ],
      },
      'zorgaanbieder',
      '2026-05-02',
    ),
    e(
      'nl.wmo.declaratie-beantwoord',
      {
        declaratienummer: 'DCL-2026-04-0031',
        ingediendBedragInCenten: 78_400,
        toegekendBedragInCenten: 78_400,
        afgewezenPrestaties: [],
      },
      'gemeente',
      '2026-05-06',
    ),
  ];
}

/**
 * The care provider's end of the care of `wmoLifecycle`'s toewijzing, reported on `einddatum`: the
 * case closes. Not part of the lifecycle; tests add it where they need a closed (or a backdated) stop.
 */
export function zorgGestopt(caseId: string, einddatum = '2026-09-30') {
  return event(
    caseId,
    'nl.wmo.zorg-gestopt',
    {
      toewijzingNummer: 400123456,
      zorgaanbieder: '98123456',
      productcategorie: '02',
      productcode: '02A05',
      einddatum,
      redenBeeindiging: '02',
    },
    { from: 'zorgaanbieder', at: einddatum },
  );
}

/**
 * An Omgevingswet chain: request, supplement, advice, consent, decision, publication, objection
 * (DOMAIN.md section 5). The omgevingsdienst prepares the decision for the bevoegd gezag.
 */
export function omgevingswetLifecycle(caseId: string): KetenEvent[] {
  let n = 0;
  const e = <T extends EventType>(type: T, data: EventData<T>, from: OrgName, at: string) =>
    event(caseId, type, data, { from, at, id: `${caseId}-${String(++n).padStart(3, '0')}` });
  const bg = orgs['bevoegd-gezag'];
  return [
    e(
      'nl.ketens.ketenzaak-geopend',
      {
        domein: 'omgevingswet',
        oin: bg.oin,
        rol: 'bevoegd-gezag',
        systeem: 'vth',
        zaakreferentie: 'OLO-2026-0004711',
        procedure: 'regulier',
      },
      'bevoegd-gezag',
      '2026-03-02T08:00:00Z',
    ),
    e(
      'nl.omgevingswet.aanvraag-ontvangen',
      {
        verzoeknummer: '2026-0004711',
        ontvangstdatum: '2026-03-02',
        procedure: 'regulier',
        activiteiten: ['Bouwactiviteit (omgevingsplanactiviteit)'],
        gemeentecode: '0999',
      },
      'bevoegd-gezag',
      '2026-03-02T08:00:01Z',
    ),
    e(
      'nl.ketens.deelnemer-aangesloten',
      {
        oin: orgs.omgevingsdienst.oin,
        rol: 'omgevingsdienst',
        systeem: 'vth-od',
        zaakreferentie: 'OD-2026-1188',
        toegang: 'volledig',
      },
      'bevoegd-gezag',
      '2026-03-03T08:00:00Z',
    ),
    e(
      'nl.ketens.deelnemer-aangesloten',
      {
        oin: orgs.adviseur.oin,
        rol: 'adviseur',
        systeem: 'adviesportaal',
        zaakreferentie: 'VR-ADV-77',
        toegang: 'beperkt',
      },
      'bevoegd-gezag',
      '2026-03-03T08:00:01Z',
    ),
    e(
      'nl.omgevingswet.aanvulling-gevraagd',
      {
        verzoekdatum: '2026-03-09',
        uiterlijkeAanleverdatum: '2026-03-30',
        ontbrekendeGegevens: ['Constructieve berekening'],
      },
      'omgevingsdienst',
      '2026-03-09',
    ),
    e(
      'nl.omgevingswet.aanvulling-ontvangen',
      { ontvangstdatum: '2026-03-16' },
      'omgevingsdienst',
      '2026-03-16',
    ),
    e(
      'nl.ketens.actieverzoek-verzonden',
      {
        actieverzoekId: '3b1f6c0e-2d4a-4e8b-9f1a-5c7d8e9f0a1b',
        status: 'OPEN',
        soort: 'adviesverzoek',
        van: orgs.omgevingsdienst.oin,
        aan: orgs.adviseur.oin,
        omschrijving: 'Advies brandveiligheid',
      },
      'omgevingsdienst',
      '2026-03-17T08:00:00Z',
    ),
    e(
      'nl.omgevingswet.advies-gevraagd',
      {
        adviesverzoekId: 'AV-1',
        adviseur: orgs.adviseur.oin,
        verzoekdatum: '2026-03-17',
        onderwerp: 'Brandveiligheid',
      },
      'omgevingsdienst',
      '2026-03-17T08:00:01Z',
    ),
    e(
      'nl.ketens.actieverzoek-in-behandeling-genomen',
      { actieverzoekId: '3b1f6c0e-2d4a-4e8b-9f1a-5c7d8e9f0a1b', status: 'IN_BEHANDELING' },
      'adviseur',
      '2026-03-18',
    ),
    e(
      'nl.omgevingswet.advies-gegeven',
      { adviesverzoekId: 'AV-1', adviesdatum: '2026-04-02', strekking: 'positief-met-voorwaarden' },
      'adviseur',
      '2026-04-02T08:00:00Z',
    ),
    e(
      'nl.ketens.document-toegevoegd',
      {
        documentId: 'DOC-1',
        titel: 'Advies brandveiligheid',
        documentUrl: 'https://adviesportaal.example/doc/1',
        mediatype: 'application/pdf',
        vertrouwelijkheid: 'regulier',
      },
      'adviseur',
      '2026-04-02T08:00:01Z',
    ),
    e(
      'nl.ketens.document-toegevoegd',
      {
        documentId: 'DOC-2',
        titel: 'Constructieve berekening',
        documentUrl: 'https://vth.example/doc/2',
        mediatype: 'application/pdf',
        vertrouwelijkheid: 'strikt',
      },
      'omgevingsdienst',
      '2026-04-02T08:00:02Z',
    ),
    e(
      'nl.ketens.actieverzoek-gereedgemeld',
      { actieverzoekId: '3b1f6c0e-2d4a-4e8b-9f1a-5c7d8e9f0a1b', status: 'GEREEDGEMELD' },
      'adviseur',
      '2026-04-02T08:00:03Z',
    ),
    e(
      'nl.ketens.actieverzoek-afgerond',
      { actieverzoekId: '3b1f6c0e-2d4a-4e8b-9f1a-5c7d8e9f0a1b', status: 'GEREED' },
      'omgevingsdienst',
      '2026-04-03',
    ),
    e(
      'nl.omgevingswet.instemming-gevraagd',
      {
        instemmingsverzoekId: 'IV-1',
        adviseur: orgs.adviseur.oin,
        verzoekdatum: '2026-04-06',
        conceptbesluitUrl: 'https://vth.example/cb/1',
      },
      'bevoegd-gezag',
      '2026-04-06',
    ),
    e(
      'nl.omgevingswet.instemming-verleend',
      {
        instemmingsverzoekId: 'IV-1',
        besluitdatum: '2026-04-20',
        voorschriften: ['Vluchtroutes vrijhouden'],
      },
      'adviseur',
      '2026-04-20',
    ),
    e(
      'nl.omgevingswet.besluit-genomen',
      { besluitdatum: '2026-04-22', uitkomst: 'verleend' },
      'bevoegd-gezag',
      '2026-04-22',
    ),
    e(
      'nl.omgevingswet.besluit-bekendgemaakt',
      {
        bekendmakingsdatum: '2026-04-23',
        publicatieUrl: 'https://zoek.officielebekendmakingen.nl/gmb-2026-1.html',
        rechtsmiddel: 'bezwaar',
      },
      'bevoegd-gezag',
      '2026-04-23',
    ),
    e(
      'nl.omgevingswet.bezwaar-ingesteld',
      { bezwaarId: 'BZ-1', ontvangstdatum: '2026-05-18' },
      'bevoegd-gezag',
      '2026-05-18',
    ),
  ];
}

/** given(events).when(event).thenState(assert) — evolve one event onto the fold of the givens. */
export function given(events: readonly KetenEvent[], ctx: EvolveContext = testContext) {
  const caseId = events[0]?.subject ?? 'unknown';
  const state = events.length > 0 ? fold(caseId, events, ctx) : null;
  return {
    state,
    when(...more: KetenEvent[]) {
      let next: CaseState | null = state;
      for (const e of more) next = evolve(next, e, ctx);
      return {
        thenState(check: (s: CaseState) => void) {
          if (!next) throw new Error('no events');
          check(next);
          return next;
        },
      };
    },
  };
}

/** The timeline of `events` (the case's log, in order) as a reader with `access` sees it. */
export function seenTimeline(state: CaseState, events: readonly KetenEvent[], access: CaseAccess) {
  return events
    .map((e, i) =>
      filterTimelineEntry(
        {
          positie: i + 1,
          source: e.source,
          id: e.id,
          type: e.type,
          time: e.time,
          data: e.data as Record<string, unknown>,
        },
        access,
        state,
      ),
    )
    .filter((e) => e !== null);
}

export type { PublisherRole };

/** A fresh chain case id. */
export function newCaseId(): string {
  return randomUUID();
}
