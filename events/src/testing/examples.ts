import type { EventData, EventType } from '../catalog';
import {
  exampleAgbCode,
  exampleBsns,
  exampleGemeentecode,
  exampleOrganisations,
  exampleVerzoeknummer,
} from './organisations';

const adviesverzoekId = 'AV-2026-0042';
const instemmingsverzoekId = 'IV-2026-0007';

/**
 * One realistic `data` example per event type. The AsyncAPI documents use these as message examples,
 * so every one must validate against both the zod and the generated JSON Schema (tested).
 */
export const exampleData: { readonly [T in EventType]: EventData<T> } = {
  'nl.ketens.ketenzaak-geopend': {
    domein: 'wmo',
    oin: exampleOrganisations.gemeente.oin,
    rol: 'gemeente',
    systeem: exampleOrganisations.gemeente.systeem,
    zaakreferentie: 'ZAAK-2026-000123',
  },
  'nl.ketens.deelnemer-aangesloten': {
    oin: exampleOrganisations.zorgaanbieder.oin,
    naam: exampleOrganisations.zorgaanbieder.naam,
    rol: 'zorgaanbieder',
    systeem: exampleOrganisations.zorgaanbieder.systeem,
    zaakreferentie: 'CL-88231',
    toegang: 'beperkt',
  },
  'nl.ketens.actieverzoek-verzonden': {
    actieverzoekId: '3b1f6c0e-2d4a-4e8b-9f1a-5c7d8e9f0a1b',
    status: 'OPEN',
    soort: 'adviesverzoek',
    van: exampleOrganisations.omgevingsdienst.oin,
    aan: exampleOrganisations.adviseur.oin,
    omschrijving: 'Advies brandveiligheid bij verbouw tot kinderdagverblijf',
    uiterlijkeDatum: '2026-04-10',
  },
  'nl.ketens.actieverzoek-in-behandeling-genomen': {
    actieverzoekId: '3b1f6c0e-2d4a-4e8b-9f1a-5c7d8e9f0a1b',
    status: 'IN_BEHANDELING',
  },
  'nl.ketens.actieverzoek-geweigerd': {
    actieverzoekId: '3b1f6c0e-2d4a-4e8b-9f1a-5c7d8e9f0a1b',
    status: 'GEWEIGERD',
    toelichting: 'Geen adviesplicht voor deze activiteit',
  },
  'nl.ketens.actieverzoek-ingetrokken': {
    actieverzoekId: '3b1f6c0e-2d4a-4e8b-9f1a-5c7d8e9f0a1b',
    status: 'INGETROKKEN',
    toelichting: 'Aanvraag ingetrokken door initiatiefnemer',
  },
  'nl.ketens.actieverzoek-gereedgemeld': {
    actieverzoekId: '3b1f6c0e-2d4a-4e8b-9f1a-5c7d8e9f0a1b',
    status: 'GEREEDGEMELD',
    toelichting: 'Advies toegevoegd als document',
  },
  'nl.ketens.actieverzoek-afgerond': {
    actieverzoekId: '3b1f6c0e-2d4a-4e8b-9f1a-5c7d8e9f0a1b',
    status: 'GEREED',
  },
  'nl.ketens.document-toegevoegd': {
    documentId: 'DOC-2026-3311',
    titel: 'Advies brandveiligheid',
    documentUrl: 'https://adviesportaal.voorbeeldregio.example/documenten/DOC-2026-3311',
    mediatype: 'application/pdf',
    vertrouwelijkheid: 'regulier',
    sha256: 'a3f5c9e1b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c6e8b0d2f4a6',
    omvangInBytes: 184223,
  },
  'nl.ketens.termijn-verstreken': {
    termijn: 'wmo-onderzoek',
    grondslag: 'Wmo 2015 art. 2.3.2 lid 1',
    startdatum: '2026-03-02',
    termijnEinde: '2026-04-13',
    opgeschorteDagen: 0,
    verlengd: false,
    klok: 'Europe/Amsterdam',
  },
  'nl.ketens.ingebrekestelling-ontvangen': { ontvangstdatum: '2026-04-20', termijn: 'wmo-beschikking' },

  'nl.wmo.melding-ontvangen': {
    bsn: exampleBsns[0],
    gemeentecode: exampleGemeentecode,
    meldingsdatum: '2026-03-02',
    verwijzer: { soort: 'huisarts' },
  },
  'nl.wmo.onderzoek-gestart': { startdatum: '2026-03-05' },
  'nl.wmo.onderzoek-afgerond': { einddatum: '2026-03-23', verslagVerstrekt: true },
  'nl.wmo.aanvraag-ontvangen': { aanvraagdatum: '2026-03-24', productcategorieen: ['02'] },
  'nl.wmo.beschikkingstermijn-verlengd': {
    mededelingsdatum: '2026-04-03',
    nieuweEinddatum: '2026-04-21',
    reden: 'Aanvullend advies van de wijkverpleging nodig',
  },
  'nl.wmo.beschikking-afgegeven': {
    beschikkingsnummer: 'BS-2026-00871',
    besluitdatum: '2026-04-01',
    besluit: 'toegekend',
    voorzieningen: [
      { productcategorie: '02', productcode: '02A05', ingangsdatum: '2026-04-06', einddatum: '2027-04-05' },
    ],
  },
  'nl.wmo.toewijzing-verzonden': {
    bsn: exampleBsns[0],
    gemeentecode: exampleGemeentecode,
    zorgaanbieder: exampleAgbCode,
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
  'nl.wmo.retourbericht-verzonden': {
    heenbericht: 'WMO301',
    toewijzingNummer: 400123456,
    retourcodes: ['0200'],
    geaccepteerd: true,
  },
  'nl.wmo.zorg-gestart': {
    toewijzingNummer: 400123456,
    zorgaanbieder: exampleAgbCode,
    productcategorie: '02',
    productcode: '02A05',
    begindatum: '2026-04-08',
  },
  'nl.wmo.zorg-gestopt': {
    toewijzingNummer: 400123456,
    zorgaanbieder: exampleAgbCode,
    productcategorie: '02',
    productcode: '02A05',
    einddatum: '2026-09-30',
    redenBeeindiging: '02',
  },
  'nl.wmo.toewijzing-aangevraagd': {
    referentieAanbieder: 'VT-2026-118',
    zorgaanbieder: exampleAgbCode,
    productcategorie: '03',
    productcode: '03A01',
    ingangsdatum: '2026-05-01',
    einddatum: '2026-10-31',
    omvang: { volume: 2, eenheid: 'uur', frequentie: 'per-week' },
  },
  'nl.wmo.toewijzingswijziging-aangevraagd': {
    referentieAanbieder: 'VW-2026-044',
    zorgaanbieder: exampleAgbCode,
    toewijzingNummer: 400123456,
    gewensteOmvang: { volume: 6, eenheid: 'uur', frequentie: 'per-week' },
    toelichting: 'Toegenomen ondersteuningsbehoefte na ziekenhuisopname',
  },
  'nl.wmo.verzoek-beantwoord': { referentieAanbieder: 'VW-2026-044', verzoekAntwoord: 2 },
  'nl.wmo.declaratie-ingediend': {
    declaratienummer: 'DCL-2026-04-0031',
    zorgaanbieder: exampleAgbCode,
    gemeentecode: exampleGemeentecode,
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
  'nl.wmo.declaratie-beantwoord': {
    declaratienummer: 'DCL-2026-04-0031',
    ingediendBedragInCenten: 78_400,
    toegekendBedragInCenten: 78_400,
    afgewezenPrestaties: [],
  },
  'nl.wmo.eigen-bijdrage-gestart': {
    bsn: exampleBsns[0],
    gemeentecode: exampleGemeentecode,
    productcategorie: '02',
    ingangsdatum: '2026-04-08',
    aanleiding: 'start-zorg',
  },
  'nl.wmo.eigen-bijdrage-gestopt': {
    bsn: exampleBsns[0],
    gemeentecode: exampleGemeentecode,
    productcategorie: '02',
    einddatum: '2026-09-30',
    aanleiding: 'stop-zorg',
  },

  'nl.omgevingswet.conceptverzoek-ontvangen': { verzoeknummer: '2026-0004702', ontvangstdatum: '2026-02-16' },
  'nl.omgevingswet.aanvraag-ontvangen': {
    verzoeknummer: exampleVerzoeknummer,
    ontvangstdatum: '2026-03-02',
    procedure: 'regulier',
    activiteiten: ['Bouwactiviteit (omgevingsplanactiviteit)', 'Brandveilig gebruik'],
    gemeentecode: exampleGemeentecode,
  },
  'nl.omgevingswet.ontvangst-bevestigd': {
    verzoeknummer: exampleVerzoeknummer,
    bevestigingsdatum: '2026-03-03',
  },
  'nl.omgevingswet.aanvulling-gevraagd': {
    verzoekdatum: '2026-03-09',
    uiterlijkeAanleverdatum: '2026-03-30',
    ontbrekendeGegevens: ['Constructieve berekening', 'Brandcompartimenteringstekening'],
  },
  'nl.omgevingswet.aanvulling-ontvangen': { ontvangstdatum: '2026-03-16' },
  'nl.omgevingswet.aanvraag-buiten-behandeling-gesteld': {
    besluitdatum: '2026-04-06',
    reden: 'Aanvulling niet binnen de gestelde termijn ontvangen',
  },
  'nl.omgevingswet.beslistermijn-verlengd': {
    mededelingsdatum: '2026-04-20',
    verlengingInWeken: 6,
    nieuweEinddatum: '2026-06-11',
  },
  'nl.omgevingswet.advies-gevraagd': {
    adviesverzoekId,
    adviseur: exampleOrganisations.adviseur.oin,
    verzoekdatum: '2026-03-17',
    onderwerp: 'Brandveiligheid kinderdagverblijf',
    uiterlijkeAdviesdatum: '2026-04-10',
  },
  'nl.omgevingswet.advies-gegeven': {
    adviesverzoekId,
    adviesdatum: '2026-04-02',
    strekking: 'positief-met-voorwaarden',
    adviesUrl: 'https://adviesportaal.voorbeeldregio.example/documenten/DOC-2026-3311',
  },
  'nl.omgevingswet.instemming-gevraagd': {
    instemmingsverzoekId,
    adviseur: exampleOrganisations.adviseur.oin,
    verzoekdatum: '2026-04-06',
    conceptbesluitUrl: 'https://vth.voorbeeldstad.example/conceptbesluiten/CB-2026-019',
  },
  'nl.omgevingswet.instemming-verleend': {
    instemmingsverzoekId,
    besluitdatum: '2026-04-20',
    voorschriften: ['Vluchtroutes vrijhouden tijdens de bouw'],
  },
  'nl.omgevingswet.instemming-geweigerd': {
    instemmingsverzoekId,
    besluitdatum: '2026-04-20',
    motivering: 'Strijdig met de instructieregels voor rijksmonumenten',
  },
  'nl.omgevingswet.ontwerpbesluit-ter-inzage-gelegd': {
    terInzageVanaf: '2026-05-04',
    terInzageTot: '2026-06-15',
    publicatieUrl: 'https://zoek.officielebekendmakingen.nl/gmb-2026-123456.html',
  },
  'nl.omgevingswet.zienswijze-ontvangen': {
    zienswijzeId: 'ZW-2026-0003',
    ontvangstdatum: '2026-05-20',
    indiener: 'burger',
  },
  'nl.omgevingswet.besluit-genomen': {
    besluitdatum: '2026-04-22',
    uitkomst: 'verleend',
    besluitUrl: 'https://vth.voorbeeldstad.example/besluiten/BSL-2026-0310',
  },
  'nl.omgevingswet.besluit-bekendgemaakt': {
    bekendmakingsdatum: '2026-04-23',
    publicatieUrl: 'https://zoek.officielebekendmakingen.nl/gmb-2026-130001.html',
    rechtsmiddel: 'bezwaar',
  },
  'nl.omgevingswet.bezwaar-ingesteld': { bezwaarId: 'BZ-2026-0012', ontvangstdatum: '2026-05-18' },
  'nl.omgevingswet.beroep-ingesteld': {
    beroepId: 'ROT 26/1234',
    ingesteldOp: '2026-06-01',
    grond: 'tegen-besluit',
  },
  'nl.omgevingswet.aanvraag-ingetrokken': { intrekkingsdatum: '2026-03-20' },
};
