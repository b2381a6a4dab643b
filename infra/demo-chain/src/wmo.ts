import { addDays, type IsoDate } from './calendar';
import { demoOrganisations } from './organisations';
import { type DemoSystem, type Outgoing, plan, str } from './system';

/**
 * The WMO chain's systems: the municipality's case system, the care provider's ECD and the
 * CAK's system for the eigen bijdrage. The municipality runs the case (melding, onderzoek,
 * aanvraag, beschikking), adds the provider it assigns the care to and invites the CAK once care
 * has started; the provider answers the toewijzing, starts care, declares and answers the
 * municipality's request for its zorgplan; the CAK accepts its invitation and confirms the eigen
 * bijdrage. Participation is granted by the municipality, never claimed (docs/access.md).
 */

const gemeente = demoOrganisations.gemeente;
const zorgaanbieder = demoOrganisations.zorgaanbieder;
const cak = demoOrganisations.cak;

/** The provider's AGB code and the municipality's CBS code in every demo case. */
export const demoAgbCode = '98123456';
export const demoGemeentecode = '0999';
/** Test BSNs (RvIG test range, 11-proef); never real people. */
const bsns = ['999993653', '999990019', '999998456'] as const;
const productcategorie = '02';
const productcode = '02A05';
const uurtarief = 3_250;

/** A normal case, or one whose onderzoek waits on a list until the hub reports its term passed. */
export type WmoScenario = 'normaal' | 'wachtlijst';

export interface GemeenteCase {
  scenario: WmoScenario;
  nummer: number;
  toewijzingNummer: number;
  onderzoekAfgerond: boolean;
  zorgStart?: IsoDate;
  cakUitnodiging?: string;
  cakGemeld: boolean;
  actieverzoek?: string;
  beantwoord: string[];
}

export type GemeenteStep =
  | { soort: 'openen' }
  | { soort: 'onderzoek-starten' }
  | { soort: 'oppakken' }
  | { soort: 'onderzoek-afronden' }
  | { soort: 'beschikken' }
  | { soort: 'zorgstart-bevestigen' }
  | { soort: 'zorgplan-vragen' }
  | { soort: 'eigen-bijdrage-melden' }
  | { soort: 'declaratie-beoordelen'; declaratienummer: string; bedrag: number }
  | { soort: 'zorgplan-aanvaarden' };

const bsnOf = (m: { nummer: number }) => bsns[m.nummer % bsns.length] ?? bsns[0];

export const gemeenteSystem: DemoSystem<GemeenteCase, GemeenteStep> & {
  begin(nummer: number, scenario: WmoScenario): GemeenteCase;
} = {
  org: gemeente,
  publishes: [
    'nl.ketens.ketenzaak-geopend',
    'nl.ketens.deelnemer-aangesloten',
    'nl.ketens.deelnemer-uitgenodigd',
    'nl.ketens.actieverzoek-verzonden',
    'nl.ketens.actieverzoek-afgerond',
    'nl.wmo.melding-ontvangen',
    'nl.wmo.onderzoek-gestart',
    'nl.wmo.onderzoek-afgerond',
    'nl.wmo.aanvraag-ontvangen',
    'nl.wmo.beschikking-afgegeven',
    'nl.wmo.toewijzing-verzonden',
    'nl.wmo.retourbericht-verzonden',
    'nl.wmo.declaratie-beantwoord',
    'nl.wmo.eigen-bijdrage-gestart',
  ],
  consumes: [
    'nl.wmo.zorg-gestart',
    'nl.wmo.declaratie-ingediend',
    'nl.ketens.uitnodiging-aanvaard',
    'nl.ketens.actieverzoek-gereedgemeld',
    'nl.ketens.termijn-verstreken',
  ],
  begin(nummer, scenario) {
    return {
      scenario,
      nummer,
      toewijzingNummer: 400_000_000 + nummer,
      onderzoekAfgerond: false,
      cakGemeld: false,
      beantwoord: [],
    };
  },
  // The municipality opens its own cases (the scenario driver calls begin); one it hears of
  // otherwise is an earlier run's, which it leaves alone.
  remember: () => ({
    scenario: 'normaal',
    nummer: 0,
    toewijzingNummer: 0,
    onderzoekAfgerond: true,
    cakGemeld: true,
    beantwoord: [],
  }),
  react(event, m) {
    if (m.nummer === 0) return [];
    switch (event.type) {
      case 'nl.wmo.zorg-gestart':
        if (m.zorgStart) return [];
        m.zorgStart = str(event.data.begindatum);
        return [plan(0, { soort: 'zorgstart-bevestigen' })];
      case 'nl.ketens.uitnodiging-aanvaard':
        if (event.data.uitnodigingId !== m.cakUitnodiging || m.cakGemeld) return [];
        m.cakGemeld = true;
        return [plan(0, { soort: 'eigen-bijdrage-melden' })];
      case 'nl.wmo.declaratie-ingediend': {
        const nr = str(event.data.declaratienummer);
        if (m.beantwoord.includes(nr)) return [];
        m.beantwoord.push(nr);
        const bedrag = Number(event.data.totaalBedragInCenten ?? 0);
        return [plan(2, { soort: 'declaratie-beoordelen', declaratienummer: nr, bedrag })];
      }
      case 'nl.ketens.actieverzoek-gereedgemeld':
        return event.data.actieverzoekId === m.actieverzoek
          ? [plan(1, { soort: 'zorgplan-aanvaarden' })]
          : [];
      case 'nl.ketens.termijn-verstreken':
        // The hub says the onderzoek's six weeks passed: the consultant picks the case up.
        return event.data.termijn === 'wmo-onderzoek' && !m.onderzoekAfgerond
          ? [plan(2, { soort: 'oppakken' })]
          : [];
      default:
        return [];
    }
  },
  carryOut(step, m, { caseId, today, uuid }) {
    const zaakreferentie = `WMO-${today.slice(0, 4)}-${String(m.nummer).padStart(5, '0')}`;
    switch (step.soort) {
      case 'openen':
        return {
          events: [
            {
              type: 'nl.ketens.ketenzaak-geopend',
              data: {
                domein: 'wmo',
                oin: gemeente.oin,
                rol: 'gemeente',
                systeem: gemeente.systeem,
                zaakreferentie,
              },
            },
            {
              type: 'nl.wmo.melding-ontvangen',
              data: {
                bsn: bsnOf(m),
                gemeentecode: demoGemeentecode,
                meldingsdatum: today,
                verwijzer: { soort: m.nummer % 2 === 0 ? 'huisarts' : 'wijkteam' },
              },
            },
          ],
          next: [plan(1, { soort: 'onderzoek-starten' })],
        };
      case 'onderzoek-starten':
        return {
          events: [{ type: 'nl.wmo.onderzoek-gestart', data: { startdatum: today } }],
          // A case on the waiting list waits for the hub's termijn-verstreken.
          next: m.scenario === 'normaal' ? [plan(4, { soort: 'onderzoek-afronden' })] : [],
        };
      case 'oppakken':
        // Weeks passed on the list: the case's calendar moves to a week before today.
        return { events: [], calendarTo: 7, next: [plan(1, { soort: 'onderzoek-afronden' })] };
      case 'onderzoek-afronden':
        m.onderzoekAfgerond = true;
        return {
          events: [
            { type: 'nl.wmo.onderzoek-afgerond', data: { einddatum: today, verslagVerstrekt: true } },
            {
              type: 'nl.wmo.aanvraag-ontvangen',
              data: { aanvraagdatum: today, productcategorieen: [productcategorie] },
            },
          ],
          next: [plan(2, { soort: 'beschikken' })],
        };
      case 'beschikken': {
        const ingangsdatum = addDays(today, 2);
        const einddatum = addDays(today, 367);
        return {
          events: [
            {
              type: 'nl.wmo.beschikking-afgegeven',
              data: {
                beschikkingsnummer: `BS-${zaakreferentie}`,
                besluitdatum: today,
                besluit: 'toegekend',
                voorzieningen: [{ productcategorie, productcode, ingangsdatum, einddatum }],
              },
            },
            // First the provider takes part, then it is sent the toewijzing: webhooks start at admission.
            {
              type: 'nl.ketens.deelnemer-aangesloten',
              data: {
                oin: zorgaanbieder.oin,
                naam: zorgaanbieder.naam,
                rol: 'zorgaanbieder',
                systeem: zorgaanbieder.systeem,
                zaakreferentie: `CL-${String(m.nummer).padStart(5, '0')}`,
                toegang: 'beperkt',
              },
            },
            {
              type: 'nl.wmo.toewijzing-verzonden',
              data: {
                bsn: bsnOf(m),
                gemeentecode: demoGemeentecode,
                zorgaanbieder: demoAgbCode,
                toewijzing: {
                  toewijzingNummer: m.toewijzingNummer,
                  productcategorie,
                  productcode,
                  ingangsdatum,
                  einddatum,
                  omvang: { volume: 4, eenheid: 'uur', frequentie: 'per-week' },
                  toewijzingsdatum: today,
                },
              },
            },
          ],
        };
      }
      case 'zorgstart-bevestigen':
        m.cakUitnodiging = uuid();
        return {
          events: [
            {
              type: 'nl.wmo.retourbericht-verzonden',
              data: {
                heenbericht: 'WMO305',
                toewijzingNummer: m.toewijzingNummer,
                retourcodes: ['0200'],
                geaccepteerd: true,
              },
            },
            // Care has started: the CAK is needed for the eigen bijdrage, and is invited.
            {
              type: 'nl.ketens.deelnemer-uitgenodigd',
              data: {
                uitnodigingId: m.cakUitnodiging,
                oin: cak.oin,
                naam: cak.naam,
                rol: 'cak',
                toegang: 'beperkt',
                toelichting: 'Eigen bijdrage vanaf de start van de zorg',
              },
            },
          ],
          next: [plan(2, { soort: 'zorgplan-vragen' })],
        };
      case 'zorgplan-vragen':
        m.actieverzoek = uuid();
        return {
          events: [
            {
              type: 'nl.ketens.actieverzoek-verzonden',
              data: {
                actieverzoekId: m.actieverzoek,
                status: 'OPEN',
                soort: 'informatieverzoek',
                van: gemeente.oin,
                aan: zorgaanbieder.oin,
                omschrijving: 'Stuur het zorgplan na de intake',
                uiterlijkeDatum: addDays(today, 5),
              },
            },
          ],
        };
      case 'eigen-bijdrage-melden':
        return {
          events: [
            {
              type: 'nl.wmo.eigen-bijdrage-gestart',
              data: {
                bsn: bsnOf(m),
                gemeentecode: demoGemeentecode,
                productcategorie,
                ingangsdatum: m.zorgStart ?? today,
                aanleiding: 'start-zorg',
              },
            },
          ],
        };
      case 'declaratie-beoordelen':
        return {
          events: [
            {
              type: 'nl.wmo.declaratie-beantwoord',
              data: {
                declaratienummer: step.declaratienummer,
                ingediendBedragInCenten: step.bedrag,
                toegekendBedragInCenten: step.bedrag,
                afgewezenPrestaties: [],
              },
            },
          ],
        };
      case 'zorgplan-aanvaarden':
        return {
          events: [
            {
              type: 'nl.ketens.actieverzoek-afgerond',
              data: {
                actieverzoekId: m.actieverzoek ?? caseId,
                status: 'GEREED',
                toelichting: 'Zorgplan ontvangen',
              },
            },
          ],
        };
    }
  },
};

export interface ZorgCase {
  toewijzingNummer?: number;
  gemeentecode?: string;
  zorgStart?: IsoDate;
  verzoeken: string[];
}

export type ZorgStep =
  | { soort: 'toewijzing-bevestigen' }
  | { soort: 'zorg-starten' }
  | { soort: 'declareren' }
  | { soort: 'verzoek-oppakken'; actieverzoekId: string }
  | { soort: 'zorgplan-sturen'; actieverzoekId: string };

export const zorgaanbiederSystem: DemoSystem<ZorgCase, ZorgStep> = {
  org: zorgaanbieder,
  publishes: [
    'nl.wmo.retourbericht-verzonden',
    'nl.wmo.zorg-gestart',
    'nl.wmo.declaratie-ingediend',
    'nl.ketens.actieverzoek-in-behandeling-genomen',
    'nl.ketens.actieverzoek-gereedgemeld',
    'nl.ketens.document-toegevoegd',
  ],
  consumes: [
    'nl.wmo.toewijzing-verzonden',
    'nl.ketens.actieverzoek-verzonden',
    'nl.wmo.declaratie-beantwoord',
  ],
  remember: () => ({ verzoeken: [] }),
  react(event, m) {
    switch (event.type) {
      case 'nl.wmo.toewijzing-verzonden': {
        if (m.toewijzingNummer !== undefined) return [];
        const toewijzing = event.data.toewijzing as { toewijzingNummer?: number } | undefined;
        if (typeof toewijzing?.toewijzingNummer !== 'number') return [];
        m.toewijzingNummer = toewijzing.toewijzingNummer;
        m.gemeentecode = str(event.data.gemeentecode);
        // The WMO302 the same day, care two days later (the first visit is planned).
        return [plan(0, { soort: 'toewijzing-bevestigen' }), plan(2, { soort: 'zorg-starten' })];
      }
      case 'nl.ketens.actieverzoek-verzonden': {
        const id = str(event.data.actieverzoekId);
        if (event.data.aan !== zorgaanbieder.oin || m.verzoeken.includes(id)) return [];
        m.verzoeken.push(id);
        return [
          plan(1, { soort: 'verzoek-oppakken', actieverzoekId: id }),
          plan(2, { soort: 'zorgplan-sturen', actieverzoekId: id }),
        ];
      }
      default:
        return [];
    }
  },
  carryOut(step, m, { caseId, today }) {
    const nr = m.toewijzingNummer ?? 0;
    switch (step.soort) {
      case 'toewijzing-bevestigen':
        return {
          events: [
            {
              type: 'nl.wmo.retourbericht-verzonden',
              data: {
                heenbericht: 'WMO301',
                toewijzingNummer: nr,
                retourcodes: ['0200'],
                geaccepteerd: true,
              },
            },
          ],
        };
      case 'zorg-starten':
        m.zorgStart = today;
        return {
          events: [
            {
              type: 'nl.wmo.zorg-gestart',
              data: {
                toewijzingNummer: nr,
                zorgaanbieder: demoAgbCode,
                productcategorie,
                productcode,
                begindatum: today,
              },
            },
          ],
          next: [plan(4, { soort: 'declareren' })],
        };
      case 'declareren': {
        const { begindatum, einddatum } = declaratiePeriode(m.zorgStart ?? today, today);
        const bedragInCenten = 4 * uurtarief;
        return {
          events: [
            {
              type: 'nl.wmo.declaratie-ingediend',
              data: {
                declaratienummer: `DCL-${einddatum.slice(0, 7)}-${String(nr).slice(-5)}`,
                zorgaanbieder: demoAgbCode,
                gemeentecode: m.gemeentecode || demoGemeentecode,
                begindatum,
                einddatum,
                totaalBedragInCenten: bedragInCenten,
                prestaties: [
                  {
                    toewijzingNummer: nr,
                    productcategorie,
                    productcode,
                    begindatum,
                    einddatum,
                    geleverdVolume: 4,
                    eenheid: 'uur',
                    bedragInCenten,
                  },
                ],
              },
            },
          ],
        };
      }
      case 'verzoek-oppakken':
        return {
          events: [
            {
              type: 'nl.ketens.actieverzoek-in-behandeling-genomen',
              data: { actieverzoekId: step.actieverzoekId, status: 'IN_BEHANDELING' },
            },
          ],
        };
      case 'zorgplan-sturen': {
        const documentId = `ZP-${caseId.slice(0, 8)}`;
        const document: Outgoing = {
          type: 'nl.ketens.document-toegevoegd',
          data: {
            documentId,
            titel: 'Zorgplan na intake',
            documentUrl: `https://ecd.zorg-thuis.example/documenten/${documentId}`,
            mediatype: 'application/pdf',
            vertrouwelijkheid: 'regulier',
          },
        };
        return {
          events: [
            document,
            {
              type: 'nl.ketens.actieverzoek-gereedgemeld',
              data: {
                actieverzoekId: step.actieverzoekId,
                status: 'GEREEDGEMELD',
                toelichting: 'Zorgplan toegevoegd',
              },
            },
          ],
        };
      }
    }
  },
};

/** A declaratie covers one calendar month (iWmo): from the start of care or of today's month, to today. */
export function declaratiePeriode(
  zorgStart: IsoDate,
  today: IsoDate,
): { begindatum: IsoDate; einddatum: IsoDate } {
  const begindatum = zorgStart.slice(0, 7) === today.slice(0, 7) ? zorgStart : `${today.slice(0, 7)}-01`;
  return { begindatum, einddatum: today < begindatum ? begindatum : today };
}

export interface CakCase {
  aanvaard: string[];
  bevestigd: boolean;
}

export type CakStep =
  | { soort: 'aanvaarden'; uitnodigingId: string; nummer: string }
  | { soort: 'bevestigen' };

export const cakSystem: DemoSystem<CakCase, CakStep> = {
  org: cak,
  publishes: ['nl.ketens.uitnodiging-aanvaard', 'nl.wmo.retourbericht-verzonden'],
  consumes: ['nl.ketens.deelnemer-uitgenodigd', 'nl.wmo.eigen-bijdrage-gestart'],
  remember: () => ({ aanvaard: [], bevestigd: false }),
  react(event, m, { caseId }) {
    if (event.type === 'nl.ketens.deelnemer-uitgenodigd') {
      const id = str(event.data.uitnodigingId);
      if (event.data.oin !== cak.oin || m.aanvaard.includes(id)) return [];
      m.aanvaard.push(id);
      return [
        plan(1, { soort: 'aanvaarden', uitnodigingId: id, nummer: `EB-${caseId.slice(0, 8).toUpperCase()}` }),
      ];
    }
    if (event.type === 'nl.wmo.eigen-bijdrage-gestart' && !m.bevestigd) {
      m.bevestigd = true;
      return [plan(0, { soort: 'bevestigen' })];
    }
    return [];
  },
  carryOut(step) {
    if (step.soort === 'aanvaarden') {
      return {
        events: [
          {
            type: 'nl.ketens.uitnodiging-aanvaard',
            data: { uitnodigingId: step.uitnodigingId, systeem: cak.systeem, zaakreferentie: step.nummer },
          },
        ],
      };
    }
    return {
      events: [
        {
          type: 'nl.wmo.retourbericht-verzonden',
          data: { heenbericht: 'WMO405', retourcodes: ['0200'], geaccepteerd: true },
        },
      ],
    };
  },
};
