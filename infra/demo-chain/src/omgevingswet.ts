import { addDays } from './calendar';
import { demoOrganisations } from './organisations';
import { type DemoSystem, plan, str } from './system';

/**
 * The Omgevingswet chain's systems: the bevoegd gezag's VTH system (it receives the permit
 * request via the DSO, and the applicant's supplement, and decides), the omgevingsdienst that
 * prepares the decision (it asks for the supplement, invites the advisers, asks advice and
 * consent, and puts the decision to the bevoegd gezag as an actieverzoek), the water board as
 * adviser and the province as adviser with consent (instemming). The bevoegd gezag adds the
 * omgevingsdienst; the advisers are invited and accept.
 */

const bevoegdGezag = demoOrganisations.bevoegdGezag;
const omgevingsdienst = demoOrganisations.omgevingsdienst;
const waterschap = demoOrganisations.waterschap;
const provincie = demoOrganisations.provincie;

/** How long the applicant is given to supplement, and how long the demo applicant takes. */
export const aanvullingTermijnDagen = 14;
export const aanvullingDuurtDagen = 6;

export interface BevoegdGezagCase {
  nummer: number;
  verzoeken: string[];
  aanvullingen: number;
}

export type BevoegdGezagStep =
  | { soort: 'openen' }
  | { soort: 'ontvangst-bevestigen' }
  | { soort: 'aanvulling-ontvangen' }
  | { soort: 'verzoek-oppakken'; actieverzoekId: string }
  | { soort: 'besluiten'; actieverzoekId: string }
  | { soort: 'bekendmaken' };

const verzoeknummer = (nummer: number) => `2026-${String(4800 + nummer).padStart(7, '0')}`;

export const bevoegdGezagSystem: DemoSystem<BevoegdGezagCase, BevoegdGezagStep> & {
  begin(nummer: number): BevoegdGezagCase;
} = {
  org: bevoegdGezag,
  publishes: [
    'nl.ketens.ketenzaak-geopend',
    'nl.ketens.deelnemer-aangesloten',
    'nl.ketens.actieverzoek-in-behandeling-genomen',
    'nl.ketens.actieverzoek-gereedgemeld',
    'nl.omgevingswet.aanvraag-ontvangen',
    'nl.omgevingswet.ontvangst-bevestigd',
    'nl.omgevingswet.aanvulling-ontvangen',
    'nl.omgevingswet.besluit-genomen',
    'nl.omgevingswet.besluit-bekendgemaakt',
  ],
  consumes: ['nl.omgevingswet.aanvulling-gevraagd', 'nl.ketens.actieverzoek-verzonden'],
  begin: (nummer) => ({ nummer, verzoeken: [], aanvullingen: 0 }),
  remember: () => ({ nummer: 0, verzoeken: [], aanvullingen: 0 }),
  react(event, m) {
    if (m.nummer === 0) return [];
    if (event.type === 'nl.omgevingswet.aanvulling-gevraagd') {
      // The applicant supplements through the DSO, which delivers it to the bevoegd gezag.
      m.aanvullingen++;
      return [plan(aanvullingDuurtDagen, { soort: 'aanvulling-ontvangen' })];
    }
    if (event.type === 'nl.ketens.actieverzoek-verzonden') {
      const id = str(event.data.actieverzoekId);
      if (event.data.aan !== bevoegdGezag.oin || m.verzoeken.includes(id)) return [];
      m.verzoeken.push(id);
      return [
        plan(1, { soort: 'verzoek-oppakken', actieverzoekId: id }),
        plan(2, { soort: 'besluiten', actieverzoekId: id }),
      ];
    }
    return [];
  },
  carryOut(step, m, { today }) {
    const nr = verzoeknummer(m.nummer);
    switch (step.soort) {
      case 'openen':
        return {
          events: [
            {
              type: 'nl.ketens.ketenzaak-geopend',
              data: {
                domein: 'omgevingswet',
                oin: bevoegdGezag.oin,
                rol: 'bevoegd-gezag',
                systeem: bevoegdGezag.systeem,
                zaakreferentie: `OLO-${nr}`,
                procedure: 'regulier',
              },
            },
            {
              type: 'nl.omgevingswet.aanvraag-ontvangen',
              data: {
                verzoeknummer: nr,
                ontvangstdatum: today,
                procedure: 'regulier',
                activiteiten: [
                  'Bouwactiviteit (omgevingsplanactiviteit)',
                  'Lozingsactiviteit op een oppervlaktewaterlichaam',
                ],
                gemeentecode: '0999',
              },
            },
            // The omgevingsdienst prepares the decision for the bevoegd gezag: added with full access.
            {
              type: 'nl.ketens.deelnemer-aangesloten',
              data: {
                oin: omgevingsdienst.oin,
                naam: omgevingsdienst.naam,
                rol: 'omgevingsdienst',
                systeem: omgevingsdienst.systeem,
                zaakreferentie: `OD-${nr}`,
                toegang: 'volledig',
              },
            },
          ],
          next: [plan(1, { soort: 'ontvangst-bevestigen' })],
        };
      case 'ontvangst-bevestigen':
        return {
          events: [
            {
              type: 'nl.omgevingswet.ontvangst-bevestigd',
              data: { verzoeknummer: nr, bevestigingsdatum: today },
            },
          ],
        };
      case 'aanvulling-ontvangen':
        return {
          events: [{ type: 'nl.omgevingswet.aanvulling-ontvangen', data: { ontvangstdatum: today } }],
        };
      case 'verzoek-oppakken':
        return {
          events: [
            {
              type: 'nl.ketens.actieverzoek-in-behandeling-genomen',
              data: { actieverzoekId: step.actieverzoekId, status: 'IN_BEHANDELING' },
            },
          ],
        };
      case 'besluiten':
        return {
          events: [
            {
              type: 'nl.omgevingswet.besluit-genomen',
              data: {
                besluitdatum: today,
                uitkomst: 'verleend',
                besluitUrl: `https://vth.voorbeeldstad.example/besluiten/${nr}`,
              },
            },
            {
              type: 'nl.ketens.actieverzoek-gereedgemeld',
              data: {
                actieverzoekId: step.actieverzoekId,
                status: 'GEREEDGEMELD',
                toelichting: 'Besluit genomen en ondertekend',
              },
            },
          ],
          next: [plan(1, { soort: 'bekendmaken' })],
        };
      case 'bekendmaken':
        return {
          events: [
            {
              type: 'nl.omgevingswet.besluit-bekendgemaakt',
              data: {
                bekendmakingsdatum: today,
                publicatieUrl: `https://zoek.officielebekendmakingen.example/${nr}`,
                rechtsmiddel: 'bezwaar',
              },
            },
          ],
        };
    }
  },
};

export interface OmgevingsdienstCase {
  toegelaten: boolean;
  aanvullingGevraagd: boolean;
  adviseursUitgenodigd: boolean;
  uitnodigingWaterschap?: string;
  uitnodigingProvincie?: string;
  adviesverzoek?: string;
  instemmingsverzoek?: string;
  adviesBinnen: boolean;
  instemmingBinnen: boolean;
  actieverzoek?: string;
  afgerond: boolean;
}

export type OmgevingsdienstStep =
  | { soort: 'aanvulling-vragen' }
  | { soort: 'adviseurs-uitnodigen' }
  | { soort: 'advies-vragen' }
  | { soort: 'instemming-vragen' }
  | { soort: 'besluit-voorleggen' }
  | { soort: 'besluit-aanvaarden' };

export const omgevingsdienstSystem: DemoSystem<OmgevingsdienstCase, OmgevingsdienstStep> = {
  org: omgevingsdienst,
  publishes: [
    'nl.ketens.deelnemer-uitgenodigd',
    'nl.ketens.actieverzoek-verzonden',
    'nl.ketens.actieverzoek-afgerond',
    'nl.omgevingswet.aanvulling-gevraagd',
    'nl.omgevingswet.advies-gevraagd',
    'nl.omgevingswet.instemming-gevraagd',
  ],
  consumes: [
    'nl.ketens.deelnemer-aangesloten',
    'nl.ketens.uitnodiging-aanvaard',
    'nl.ketens.actieverzoek-gereedgemeld',
    'nl.omgevingswet.aanvulling-ontvangen',
    'nl.omgevingswet.advies-gegeven',
    'nl.omgevingswet.instemming-verleend',
  ],
  remember: () => ({
    toegelaten: false,
    aanvullingGevraagd: false,
    adviseursUitgenodigd: false,
    adviesBinnen: false,
    instemmingBinnen: false,
    afgerond: false,
  }),
  react(event, m) {
    switch (event.type) {
      case 'nl.ketens.deelnemer-aangesloten':
        if (event.data.oin !== omgevingsdienst.oin || m.toegelaten) return [];
        m.toegelaten = true;
        // The completeness check finds two documents missing.
        return [plan(1, { soort: 'aanvulling-vragen' })];
      case 'nl.omgevingswet.aanvulling-ontvangen':
        if (!m.toegelaten || m.adviseursUitgenodigd) return [];
        m.adviseursUitgenodigd = true;
        return [plan(1, { soort: 'adviseurs-uitnodigen' })];
      case 'nl.ketens.uitnodiging-aanvaard':
        if (event.data.uitnodigingId === m.uitnodigingWaterschap && !m.adviesverzoek)
          return [plan(0, { soort: 'advies-vragen' })];
        if (event.data.uitnodigingId === m.uitnodigingProvincie && !m.instemmingsverzoek)
          return [plan(0, { soort: 'instemming-vragen' })];
        return [];
      case 'nl.omgevingswet.advies-gegeven':
        if (event.data.adviesverzoekId !== m.adviesverzoek) return [];
        m.adviesBinnen = true;
        return voorleggenAlsKlaar(m);
      case 'nl.omgevingswet.instemming-verleend':
        if (event.data.instemmingsverzoekId !== m.instemmingsverzoek) return [];
        m.instemmingBinnen = true;
        return voorleggenAlsKlaar(m);
      case 'nl.ketens.actieverzoek-gereedgemeld':
        if (event.data.actieverzoekId !== m.actieverzoek || m.afgerond) return [];
        m.afgerond = true;
        return [plan(0, { soort: 'besluit-aanvaarden' })];
      default:
        return [];
    }
  },
  carryOut(step, m, { caseId, today, uuid }) {
    const kort = caseId.slice(0, 8).toUpperCase();
    switch (step.soort) {
      case 'aanvulling-vragen':
        m.aanvullingGevraagd = true;
        return {
          events: [
            {
              type: 'nl.omgevingswet.aanvulling-gevraagd',
              data: {
                verzoekdatum: today,
                uiterlijkeAanleverdatum: addDays(today, aanvullingTermijnDagen),
                ontbrekendeGegevens: ['Constructieberekening', 'Situatietekening met maatvoering'],
              },
            },
          ],
        };
      case 'adviseurs-uitnodigen':
        m.uitnodigingWaterschap = uuid();
        m.uitnodigingProvincie = uuid();
        return {
          events: [
            {
              type: 'nl.ketens.deelnemer-uitgenodigd',
              data: {
                uitnodigingId: m.uitnodigingWaterschap,
                oin: waterschap.oin,
                naam: waterschap.naam,
                rol: 'adviseur',
                toegang: 'beperkt',
                toelichting: 'Advies over de lozing van hemelwater op oppervlaktewater',
              },
            },
            {
              type: 'nl.ketens.deelnemer-uitgenodigd',
              data: {
                uitnodigingId: m.uitnodigingProvincie,
                oin: provincie.oin,
                naam: provincie.naam,
                rol: 'adviseur',
                toegang: 'beperkt',
                toelichting: 'Advies met instemming: natuurbescherming',
              },
            },
          ],
        };
      case 'advies-vragen':
        m.adviesverzoek = `AV-${kort}`;
        return {
          events: [
            {
              type: 'nl.omgevingswet.advies-gevraagd',
              data: {
                adviesverzoekId: m.adviesverzoek,
                adviseur: waterschap.oin,
                verzoekdatum: today,
                onderwerp: 'Lozing van hemelwater op oppervlaktewater',
                uiterlijkeAdviesdatum: addDays(today, 10),
              },
            },
          ],
        };
      case 'instemming-vragen':
        m.instemmingsverzoek = `IV-${kort}`;
        return {
          events: [
            {
              type: 'nl.omgevingswet.instemming-gevraagd',
              data: {
                instemmingsverzoekId: m.instemmingsverzoek,
                adviseur: provincie.oin,
                verzoekdatum: today,
                conceptbesluitUrl: `https://vth-od.voorbeeldregio.example/concepten/${kort}`,
              },
            },
          ],
        };
      case 'besluit-voorleggen':
        m.actieverzoek = uuid();
        return {
          events: [
            {
              type: 'nl.ketens.actieverzoek-verzonden',
              data: {
                actieverzoekId: m.actieverzoek,
                status: 'OPEN',
                soort: 'overig',
                van: omgevingsdienst.oin,
                aan: bevoegdGezag.oin,
                omschrijving: 'Besluit ter ondertekening: het advies en de instemming zijn binnen',
                uiterlijkeDatum: addDays(today, 5),
              },
            },
          ],
        };
      case 'besluit-aanvaarden':
        return {
          events: [
            {
              type: 'nl.ketens.actieverzoek-afgerond',
              data: { actieverzoekId: m.actieverzoek ?? '', status: 'GEREED' },
            },
          ],
        };
    }
  },
};

function voorleggenAlsKlaar(m: OmgevingsdienstCase) {
  if (!m.adviesBinnen || !m.instemmingBinnen || m.actieverzoek) return [];
  m.actieverzoek = 'gepland';
  return [plan(1, { soort: 'besluit-voorleggen' } as const)];
}

export interface AdviseurCase {
  uitnodigingen: string[];
  verzoeken: string[];
}

type AdviseurStep =
  | { soort: 'aanvaarden'; uitnodigingId: string }
  | { soort: 'adviseren'; verzoekId: string }
  | { soort: 'instemmen'; verzoekId: string };

function adviseur(
  org: typeof waterschap,
  vraag: 'nl.omgevingswet.advies-gevraagd' | 'nl.omgevingswet.instemming-gevraagd',
): DemoSystem<AdviseurCase, AdviseurStep> {
  const advies = vraag === 'nl.omgevingswet.advies-gevraagd';
  return {
    org,
    publishes: [
      'nl.ketens.uitnodiging-aanvaard',
      'nl.ketens.document-toegevoegd',
      advies ? 'nl.omgevingswet.advies-gegeven' : 'nl.omgevingswet.instemming-verleend',
    ],
    consumes: ['nl.ketens.deelnemer-uitgenodigd', vraag],
    remember: () => ({ uitnodigingen: [], verzoeken: [] }),
    react(event, m) {
      if (event.type === 'nl.ketens.deelnemer-uitgenodigd') {
        const id = str(event.data.uitnodigingId);
        if (event.data.oin !== org.oin || m.uitnodigingen.includes(id)) return [];
        m.uitnodigingen.push(id);
        return [plan(advies ? 0 : 1, { soort: 'aanvaarden', uitnodigingId: id })];
      }
      if (event.type === vraag && event.data.adviseur === org.oin) {
        const id = str(advies ? event.data.adviesverzoekId : event.data.instemmingsverzoekId);
        if (m.verzoeken.includes(id)) return [];
        m.verzoeken.push(id);
        return [plan(3, { soort: advies ? 'adviseren' : 'instemmen', verzoekId: id })];
      }
      return [];
    },
    carryOut(step, _m, { caseId, today }) {
      const kort = caseId.slice(0, 8).toUpperCase();
      switch (step.soort) {
        case 'aanvaarden':
          return {
            events: [
              {
                type: 'nl.ketens.uitnodiging-aanvaard',
                data: {
                  uitnodigingId: step.uitnodigingId,
                  systeem: org.systeem,
                  zaakreferentie: `ADV-${kort}`,
                },
              },
            ],
          };
        case 'adviseren': {
          const adviesUrl = `https://advies.voorbeeldrivier.example/adviezen/${kort}`;
          return {
            events: [
              {
                type: 'nl.omgevingswet.advies-gegeven',
                data: {
                  adviesverzoekId: step.verzoekId,
                  adviesdatum: today,
                  strekking: 'positief-met-voorwaarden',
                  adviesUrl,
                },
              },
              {
                type: 'nl.ketens.document-toegevoegd',
                data: {
                  documentId: `ADV-${kort}`,
                  titel: 'Wateradvies lozing hemelwater',
                  documentUrl: adviesUrl,
                  mediatype: 'application/pdf',
                  vertrouwelijkheid: 'regulier',
                },
              },
            ],
          };
        }
        case 'instemmen':
          return {
            events: [
              {
                type: 'nl.omgevingswet.instemming-verleend',
                data: {
                  instemmingsverzoekId: step.verzoekId,
                  besluitdatum: today,
                  voorschriften: ['Geen werkzaamheden in het broedseizoen (15 maart tot 15 juli)'],
                },
              },
            ],
          };
      }
    },
  };
}

export const waterschapSystem = adviseur(waterschap, 'nl.omgevingswet.advies-gevraagd');
export const provincieSystem = adviseur(provincie, 'nl.omgevingswet.instemming-gevraagd');
