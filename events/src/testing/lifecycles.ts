import type { EventData, EventType, KetenEvent } from '../catalog';
import type { PublisherRole } from '../roles';
import { exampleData } from './examples';
import { makeEvent, stableUuid } from './make-event';
import {
  exampleAgbCode,
  exampleBsns,
  exampleGemeentecode,
  exampleOrganisations,
  exampleVerzoeknummer,
} from './organisations';

/** Adds calendar days to a YYYY-MM-DD date (UTC arithmetic, no time zone drift). */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00.000Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/**
 * Collects a chain case's events in order: `time` is 08:00Z on the event's day plus one minute per
 * event, so times strictly increase; `sequence` counts per source from 1.
 */
class CaseBuilder {
  readonly events: KetenEvent[] = [];
  private readonly sequences = new Map<string, number>();

  constructor(
    private readonly caseId: string,
    private readonly start: string,
  ) {}

  add<T extends EventType>(day: number, role: PublisherRole, type: T, data: EventData<T>): this {
    const source = exampleOrganisations[role].source;
    const sequence = (this.sequences.get(source) ?? 0) + 1;
    this.sequences.set(source, sequence);
    const minute = String(this.events.length % 60).padStart(2, '0');
    const hour = String(8 + Math.floor(this.events.length / 60)).padStart(2, '0');
    const time = `${addDays(this.start, day)}T${hour}:${minute}:00.000Z`;
    this.events.push(
      makeEvent(type, data, {
        as: role,
        subject: this.caseId,
        time,
        sequence: String(sequence),
        sequencetype: 'Integer',
      }) as KetenEvent,
    );
    return this;
  }
}

/** Options for {@link wmoLifecycle}. */
export interface WmoLifecycleOptions {
  /** Day of the melding, YYYY-MM-DD. Default 2026-03-02 (a Monday). */
  start?: string;
  /** BSN of the client. Default a valid test BSN. */
  bsn?: string;
  /** ToewijzingNummer. Default 400123456. */
  toewijzingNummer?: number;
  /** Extend the beschikkingstermijn before deciding. Default false. */
  verlengd?: boolean;
}

/**
 * A complete WMO chain case in order: opening, melding, onderzoek, aanvraag, beschikking, toewijzing
 * (+retour), providers and CAK joining, start of care, eigen bijdrage, declaratie and answer, a change
 * request answered "in onderzoek" and a changed toewijzing, stop of care and end of eigen bijdrage.
 * Dates are consistent with the legal clocks: onderzoek within 6 weeks, beschikking within 2 weeks of
 * the aanvraag (or the extended date). Same input, same events (ids are derived from content).
 */
export function wmoLifecycle(caseId: string, options: WmoLifecycleOptions = {}): KetenEvent[] {
  const start = options.start ?? '2026-03-02';
  const bsn = options.bsn ?? exampleBsns[0];
  const nr = options.toewijzingNummer ?? 400123456;
  const date = (day: number) => addDays(start, day);
  const gemeente = exampleOrganisations.gemeente;
  const zorgaanbieder = exampleOrganisations.zorgaanbieder;
  const cak = exampleOrganisations.cak;
  // Everything after the beschikking is relative to its day, so an extension shifts the rest.
  const b = options.verlengd ? 38 : 30;
  const toewijzing = {
    toewijzingNummer: nr,
    productcategorie: '02',
    productcode: '02A05',
    ingangsdatum: date(b + 5),
    einddatum: date(b + 369),
    omvang: { volume: 4, eenheid: 'uur', frequentie: 'per-week' },
    toewijzingsdatum: date(b + 1),
  } as const;
  // Declaratie: the first full calendar month after care started.
  const zorgStart = date(b + 7);
  const month = addDays(`${zorgStart.slice(0, 7)}-01`, 32).slice(0, 7);
  const monthEnd = addDays(`${addDays(`${month}-01`, 32).slice(0, 7)}-01`, -1);

  const c = new CaseBuilder(caseId, start)
    .add(0, 'gemeente', 'nl.ketens.ketenzaak-geopend', {
      domein: 'wmo',
      oin: gemeente.oin,
      rol: 'gemeente',
      systeem: gemeente.systeem,
      zaakreferentie: 'ZAAK-2026-000123',
    })
    .add(0, 'gemeente', 'nl.wmo.melding-ontvangen', {
      bsn,
      gemeentecode: exampleGemeentecode,
      meldingsdatum: date(0),
      verwijzer: { soort: 'huisarts' },
    })
    .add(3, 'gemeente', 'nl.wmo.onderzoek-gestart', { startdatum: date(3) })
    .add(21, 'gemeente', 'nl.wmo.onderzoek-afgerond', { einddatum: date(21), verslagVerstrekt: true })
    .add(22, 'gemeente', 'nl.wmo.aanvraag-ontvangen', {
      aanvraagdatum: date(22),
      productcategorieen: ['02'],
    });
  if (options.verlengd) {
    c.add(32, 'gemeente', 'nl.wmo.beschikkingstermijn-verlengd', {
      mededelingsdatum: date(32),
      nieuweEinddatum: date(40),
      reden: 'Aanvullend advies van de wijkverpleging nodig',
    });
  }
  const besluitDay = b;
  c.add(besluitDay, 'gemeente', 'nl.wmo.beschikking-afgegeven', {
    beschikkingsnummer: 'BS-2026-00871',
    besluitdatum: date(besluitDay),
    besluit: 'toegekend',
    voorzieningen: [
      {
        productcategorie: '02',
        productcode: '02A05',
        ingangsdatum: toewijzing.ingangsdatum,
        einddatum: toewijzing.einddatum,
      },
    ],
  })
    .add(besluitDay + 1, 'gemeente', 'nl.wmo.toewijzing-verzonden', {
      bsn,
      gemeentecode: exampleGemeentecode,
      zorgaanbieder: exampleAgbCode,
      toewijzing: { ...toewijzing, toewijzingsdatum: date(besluitDay + 1) },
    })
    // The gemeente adds the provider it assigned the care to (participation is granted, not claimed).
    .add(besluitDay + 1, 'gemeente', 'nl.ketens.deelnemer-aangesloten', {
      oin: zorgaanbieder.oin,
      naam: zorgaanbieder.naam,
      rol: 'zorgaanbieder',
      systeem: zorgaanbieder.systeem,
      zaakreferentie: 'CL-88231',
      toegang: 'beperkt',
    })
    .add(besluitDay + 1, 'zorgaanbieder', 'nl.wmo.retourbericht-verzonden', {
      heenbericht: 'WMO301',
      toewijzingNummer: nr,
      retourcodes: ['0200'],
      geaccepteerd: true,
    })
    .add(b + 7, 'zorgaanbieder', 'nl.wmo.zorg-gestart', {
      toewijzingNummer: nr,
      zorgaanbieder: exampleAgbCode,
      productcategorie: '02',
      productcode: '02A05',
      begindatum: zorgStart,
    })
    .add(b + 7, 'gemeente', 'nl.wmo.retourbericht-verzonden', {
      heenbericht: 'WMO305',
      toewijzingNummer: nr,
      retourcodes: ['0200'],
      geaccepteerd: true,
    })
    .add(b + 8, 'gemeente', 'nl.wmo.eigen-bijdrage-gestart', {
      bsn,
      gemeentecode: exampleGemeentecode,
      productcategorie: '02',
      ingangsdatum: zorgStart,
      aanleiding: 'start-zorg',
    })
    // The CAK is invited and accepts with its own system and case number.
    .add(b + 8, 'gemeente', 'nl.ketens.deelnemer-uitgenodigd', {
      uitnodigingId: stableUuid(`${caseId}|uitnodiging|cak`),
      oin: cak.oin,
      naam: cak.naam,
      rol: 'cak',
      toegang: 'beperkt',
    })
    .add(b + 8, 'cak', 'nl.ketens.uitnodiging-aanvaard', {
      uitnodigingId: stableUuid(`${caseId}|uitnodiging|cak`),
      systeem: cak.systeem,
      zaakreferentie: 'EB-2026-771203',
    })
    .add(b + 8, 'cak', 'nl.wmo.retourbericht-verzonden', {
      heenbericht: 'WMO405',
      retourcodes: ['0200'],
      geaccepteerd: true,
    });
  const declaratieDay = daysBetween(start, monthEnd) + 3;
  c.add(declaratieDay, 'zorgaanbieder', 'nl.wmo.declaratie-ingediend', {
    declaratienummer: `DCL-${month}-0031`,
    zorgaanbieder: exampleAgbCode,
    gemeentecode: exampleGemeentecode,
    begindatum: `${month}-01`,
    einddatum: monthEnd,
    totaalBedragInCenten: 89_600,
    prestaties: [
      {
        toewijzingNummer: nr,
        productcategorie: '02',
        productcode: '02A05',
        begindatum: `${month}-01`,
        einddatum: monthEnd,
        geleverdVolume: 16,
        eenheid: 'uur',
        bedragInCenten: 89_600,
      },
    ],
  })
    .add(declaratieDay + 10, 'gemeente', 'nl.wmo.declaratie-beantwoord', {
      declaratienummer: `DCL-${month}-0031`,
      ingediendBedragInCenten: 89_600,
      toegekendBedragInCenten: 89_600,
      afgewezenPrestaties: [],
    })
    .add(declaratieDay + 12, 'zorgaanbieder', 'nl.wmo.toewijzingswijziging-aangevraagd', {
      referentieAanbieder: 'VW-2026-044',
      zorgaanbieder: exampleAgbCode,
      toewijzingNummer: nr,
      gewensteOmvang: { volume: 6, eenheid: 'uur', frequentie: 'per-week' },
      toelichting: 'Toegenomen ondersteuningsbehoefte na ziekenhuisopname',
    })
    .add(declaratieDay + 13, 'gemeente', 'nl.wmo.verzoek-beantwoord', {
      referentieAanbieder: 'VW-2026-044',
      verzoekAntwoord: 2,
    })
    .add(declaratieDay + 20, 'gemeente', 'nl.wmo.toewijzing-verzonden', {
      bsn,
      gemeentecode: exampleGemeentecode,
      zorgaanbieder: exampleAgbCode,
      toewijzing: {
        ...toewijzing,
        omvang: { volume: 6, eenheid: 'uur', frequentie: 'per-week' },
        toewijzingsdatum: date(declaratieDay + 20),
        redenWijziging: '01',
      },
    })
    .add(declaratieDay + 20, 'zorgaanbieder', 'nl.wmo.retourbericht-verzonden', {
      heenbericht: 'WMO301',
      toewijzingNummer: nr,
      retourcodes: ['0200'],
      geaccepteerd: true,
    })
    .add(declaratieDay + 90, 'zorgaanbieder', 'nl.wmo.zorg-gestopt', {
      toewijzingNummer: nr,
      zorgaanbieder: exampleAgbCode,
      productcategorie: '02',
      productcode: '02A05',
      einddatum: date(declaratieDay + 90),
      redenBeeindiging: '02',
    })
    .add(declaratieDay + 90, 'gemeente', 'nl.wmo.retourbericht-verzonden', {
      heenbericht: 'WMO307',
      toewijzingNummer: nr,
      retourcodes: ['0200'],
      geaccepteerd: true,
    })
    .add(declaratieDay + 91, 'gemeente', 'nl.wmo.eigen-bijdrage-gestopt', {
      bsn,
      gemeentecode: exampleGemeentecode,
      productcategorie: '02',
      einddatum: date(declaratieDay + 90),
      aanleiding: 'stop-zorg',
    })
    .add(declaratieDay + 91, 'cak', 'nl.wmo.retourbericht-verzonden', {
      heenbericht: 'WMO405',
      retourcodes: ['0200'],
      geaccepteerd: true,
    });
  return c.events;
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** Options for {@link omgevingswetLifecycle}. */
export interface OmgevingswetLifecycleOptions {
  /** Day the request arrives via the DSO, YYYY-MM-DD. Default 2026-03-02 (a Monday). */
  start?: string;
  /** Regular (8 weeks, bezwaar) or extended (6 months, ontwerpbesluit, zienswijzen, beroep). Default regulier. */
  procedure?: 'regulier' | 'uitgebreid';
}

/**
 * A complete permit chain case in order: opening, request received and confirmed, omgevingsdienst
 * joining, supplement asked (clock suspended 7 days) and received, adviser joining and an adviesverzoek
 * run through every actieverzoek status to GEREED with its advice document, a term extension, and then
 * decision, publication and objection. With `procedure: 'uitgebreid'` it adds advies met instemming,
 * the ontwerpbesluit laid open with a zienswijze, and direct beroep instead of bezwaar.
 */
export function omgevingswetLifecycle(
  caseId: string,
  options: OmgevingswetLifecycleOptions = {},
): KetenEvent[] {
  const start = options.start ?? '2026-03-02';
  const procedure = options.procedure ?? 'regulier';
  const date = (day: number) => addDays(start, day);
  const bg = exampleOrganisations['bevoegd-gezag'];
  const od = exampleOrganisations.omgevingsdienst;
  const adviseur = exampleOrganisations.adviseur;
  const actieverzoekId = exampleData['nl.ketens.actieverzoek-verzonden'].actieverzoekId;
  const adviesverzoekId = 'AV-2026-0042';

  const c = new CaseBuilder(caseId, start)
    .add(0, 'bevoegd-gezag', 'nl.ketens.ketenzaak-geopend', {
      domein: 'omgevingswet',
      oin: bg.oin,
      rol: 'bevoegd-gezag',
      systeem: bg.systeem,
      zaakreferentie: 'OLO-2026-4711',
      procedure,
    })
    .add(0, 'bevoegd-gezag', 'nl.omgevingswet.aanvraag-ontvangen', {
      verzoeknummer: exampleVerzoeknummer,
      ontvangstdatum: date(0),
      procedure,
      activiteiten: ['Bouwactiviteit (omgevingsplanactiviteit)', 'Brandveilig gebruik'],
      gemeentecode: exampleGemeentecode,
    })
    .add(1, 'bevoegd-gezag', 'nl.omgevingswet.ontvangst-bevestigd', {
      verzoeknummer: exampleVerzoeknummer,
      bevestigingsdatum: date(1),
    })
    .add(1, 'bevoegd-gezag', 'nl.ketens.deelnemer-aangesloten', {
      oin: od.oin,
      naam: od.naam,
      rol: 'omgevingsdienst',
      systeem: od.systeem,
      zaakreferentie: 'OD-2026-10293',
      toegang: 'volledig',
    })
    .add(7, 'omgevingsdienst', 'nl.omgevingswet.aanvulling-gevraagd', {
      verzoekdatum: date(7),
      uiterlijkeAanleverdatum: date(28),
      ontbrekendeGegevens: ['Constructieve berekening'],
    })
    .add(14, 'bevoegd-gezag', 'nl.omgevingswet.aanvulling-ontvangen', { ontvangstdatum: date(14) })
    // The omgevingsdienst invites the adviser, which accepts with its own case number.
    .add(15, 'omgevingsdienst', 'nl.ketens.deelnemer-uitgenodigd', {
      uitnodigingId: stableUuid(`${caseId}|uitnodiging|adviseur`),
      oin: adviseur.oin,
      naam: adviseur.naam,
      rol: 'adviseur',
      toegang: 'beperkt',
    })
    .add(15, 'adviseur', 'nl.ketens.uitnodiging-aanvaard', {
      uitnodigingId: stableUuid(`${caseId}|uitnodiging|adviseur`),
      systeem: adviseur.systeem,
      zaakreferentie: 'VR-ADV-2026-088',
    })
    .add(15, 'omgevingsdienst', 'nl.ketens.actieverzoek-verzonden', {
      actieverzoekId,
      status: 'OPEN',
      soort: 'adviesverzoek',
      van: od.oin,
      aan: adviseur.oin,
      omschrijving: 'Advies brandveiligheid bij verbouw tot kinderdagverblijf',
      uiterlijkeDatum: date(36),
    })
    .add(15, 'omgevingsdienst', 'nl.omgevingswet.advies-gevraagd', {
      adviesverzoekId,
      adviseur: adviseur.oin,
      verzoekdatum: date(15),
      onderwerp: 'Brandveiligheid kinderdagverblijf',
      uiterlijkeAdviesdatum: date(36),
    })
    .add(16, 'adviseur', 'nl.ketens.actieverzoek-in-behandeling-genomen', {
      actieverzoekId,
      status: 'IN_BEHANDELING',
    })
    .add(30, 'adviseur', 'nl.ketens.document-toegevoegd', exampleData['nl.ketens.document-toegevoegd'])
    .add(30, 'adviseur', 'nl.omgevingswet.advies-gegeven', {
      adviesverzoekId,
      adviesdatum: date(30),
      strekking: 'positief-met-voorwaarden',
      adviesUrl: exampleData['nl.ketens.document-toegevoegd'].documentUrl,
    })
    .add(30, 'adviseur', 'nl.ketens.actieverzoek-gereedgemeld', {
      actieverzoekId,
      status: 'GEREEDGEMELD',
      toelichting: 'Advies toegevoegd als document',
    })
    .add(31, 'omgevingsdienst', 'nl.ketens.actieverzoek-afgerond', { actieverzoekId, status: 'GEREED' });

  if (procedure === 'regulier') {
    // 8 weeks from day 0 = day 56, plus 7 suspended days (day 8..14) = day 63; extended by 6 weeks to day 105.
    return c
      .add(49, 'bevoegd-gezag', 'nl.omgevingswet.beslistermijn-verlengd', {
        mededelingsdatum: date(49),
        verlengingInWeken: 6,
        nieuweEinddatum: date(105),
      })
      .add(70, 'bevoegd-gezag', 'nl.omgevingswet.besluit-genomen', {
        besluitdatum: date(70),
        uitkomst: 'verleend',
        besluitUrl: 'https://vth.voorbeeldstad.example/besluiten/BSL-2026-0310',
      })
      .add(71, 'bevoegd-gezag', 'nl.omgevingswet.besluit-bekendgemaakt', {
        bekendmakingsdatum: date(71),
        publicatieUrl: 'https://zoek.officielebekendmakingen.nl/gmb-2026-130001.html',
        rechtsmiddel: 'bezwaar',
      })
      .add(95, 'bevoegd-gezag', 'nl.omgevingswet.bezwaar-ingesteld', {
        bezwaarId: 'BZ-2026-0012',
        ontvangstdatum: date(95),
      }).events;
  }
  return c
    .add(35, 'bevoegd-gezag', 'nl.omgevingswet.instemming-gevraagd', {
      instemmingsverzoekId: 'IV-2026-0007',
      adviseur: adviseur.oin,
      verzoekdatum: date(35),
      conceptbesluitUrl: 'https://vth.voorbeeldstad.example/conceptbesluiten/CB-2026-019',
    })
    .add(49, 'adviseur', 'nl.omgevingswet.instemming-verleend', {
      instemmingsverzoekId: 'IV-2026-0007',
      besluitdatum: date(49),
      voorschriften: ['Vluchtroutes vrijhouden tijdens de bouw'],
    })
    .add(63, 'bevoegd-gezag', 'nl.omgevingswet.ontwerpbesluit-ter-inzage-gelegd', {
      terInzageVanaf: date(63),
      terInzageTot: date(105),
      publicatieUrl: 'https://zoek.officielebekendmakingen.nl/gmb-2026-123456.html',
    })
    .add(80, 'bevoegd-gezag', 'nl.omgevingswet.zienswijze-ontvangen', {
      zienswijzeId: 'ZW-2026-0003',
      ontvangstdatum: date(80),
      indiener: 'burger',
    })
    .add(140, 'bevoegd-gezag', 'nl.omgevingswet.besluit-genomen', {
      besluitdatum: date(140),
      uitkomst: 'gedeeltelijk-verleend',
      besluitUrl: 'https://vth.voorbeeldstad.example/besluiten/BSL-2026-0311',
    })
    .add(141, 'bevoegd-gezag', 'nl.omgevingswet.besluit-bekendgemaakt', {
      bekendmakingsdatum: date(141),
      publicatieUrl: 'https://zoek.officielebekendmakingen.nl/gmb-2026-140002.html',
      rechtsmiddel: 'beroep',
    })
    .add(170, 'bevoegd-gezag', 'nl.omgevingswet.beroep-ingesteld', {
      beroepId: 'ROT 26/1234',
      ingesteldOp: date(170),
      grond: 'tegen-besluit',
    }).events;
}
