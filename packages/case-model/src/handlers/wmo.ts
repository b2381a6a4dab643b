import { type HandlerTable, type TypesOf, voorElk } from './handler';
import { lopendeKlok, startKlok, stopKlok } from './klokken';

/**
 * Merges `fields` into entry `key` of a record of facts; a new entry keeps the position in the log
 * of the event that created it (what late joiners may see of it: `nalezen`).
 */
function zetFeit<V extends { positie: number }>(
  record: Record<string, V>,
  key: string,
  positie: number,
  fields: Omit<Partial<V>, 'positie'>,
) {
  record[key] = { positie, ...record[key], ...fields } as V;
}

/**
 * WMO events (`nl.wmo.*`): melding, onderzoek, aanvraag and beschikking with
 * their clocks, toewijzingen and their retourberichten, care, provider requests, declaraties and
 * the eigen bijdrage.
 */
export const wmoHandlers: HandlerTable<TypesOf<'wmo'>> = {
  'nl.wmo.melding-ontvangen': (s, e) => {
    const d = e.data;
    s.wmo.melding = {
      meldingsdatum: d.meldingsdatum,
      gemeentecode: d.gemeentecode,
      ...(d.verwijzer ? { verwijzer: d.verwijzer } : {}),
    };
    s.client = { ...s.client, bsn: d.bsn, gemeentecode: d.gemeentecode };
    startKlok(s, 'wmo-onderzoek', d.meldingsdatum);
  },
  'nl.wmo.onderzoek-gestart': (s, e) => {
    s.wmo.onderzoek = { ...s.wmo.onderzoek, startdatum: e.data.startdatum };
  },
  'nl.wmo.onderzoek-afgerond': (s, e) => {
    s.wmo.onderzoek = {
      ...s.wmo.onderzoek,
      einddatum: e.data.einddatum,
      verslagVerstrekt: e.data.verslagVerstrekt,
    };
    stopKlok(s, 'wmo-onderzoek', e.data.einddatum, 'onderzoek-afgerond');
  },
  'nl.wmo.aanvraag-ontvangen': (s, e) => {
    s.wmo.aanvraag = e.data;
    // An aanvraag after the 6 weeks (no onderzoek-afgerond) supersedes the onderzoek: from now
    // the municipality must decide on the aanvraag, so that clock stops here.
    stopKlok(s, 'wmo-onderzoek', e.data.aanvraagdatum, 'aanvraag-ontvangen');
    startKlok(s, 'wmo-beschikking', e.data.aanvraagdatum);
  },
  'nl.wmo.beschikkingstermijn-verlengd': (s, e, f) => {
    const k = lopendeKlok(s, e, f, 'wmo-beschikking', true);
    if (!k) return;
    k.verlenging = { totEnMet: e.data.nieuweEinddatum };
    s.wmo.beschikkingstermijnVerlengd = e.data;
  },
  'nl.wmo.beschikking-afgegeven': (s, e) => {
    s.wmo.beschikking = e.data;
    stopKlok(s, 'wmo-beschikking', e.data.besluitdatum, 'beschikking-afgegeven');
    stopKlok(s, 'ingebrekestelling', e.data.besluitdatum, 'beschikking-afgegeven');
  },
  'nl.wmo.toewijzing-verzonden': (s, e) => {
    const d = e.data;
    const nr = String(d.toewijzing.toewijzingNummer);
    const bestaand = s.wmo.toewijzingen[nr];
    s.wmo.toewijzingen[nr] = {
      ...d.toewijzing,
      zorgaanbieder: d.zorgaanbieder,
      gemeentecode: d.gemeentecode,
      ...(bestaand?.retour ? { retour: bestaand.retour } : {}),
    };
    s.client = { ...s.client, bsn: d.bsn, gemeentecode: d.gemeentecode };
  },
  'nl.wmo.retourbericht-verzonden': (s, e, f) => {
    const d = e.data;
    s.wmo.retourberichten.push({ ...d, positie: f.positie });
    if (d.heenbericht === 'WMO301' && d.toewijzingNummer !== undefined) {
      const t = s.wmo.toewijzingen[String(d.toewijzingNummer)];
      if (t) t.retour = { geaccepteerd: d.geaccepteerd, retourcodes: d.retourcodes };
    }
  },
  // Actual start and stop of care (WMO305/307), per ToewijzingNummer: the care provider's facts.
  ...voorElk(['nl.wmo.zorg-gestart', 'nl.wmo.zorg-gestopt'], (s, e, f) => {
    const d = e.data;
    zetFeit(s.wmo.zorg, String(d.toewijzingNummer), f.positie, {
      zorgaanbieder: d.zorgaanbieder,
      ...(e.type === 'nl.wmo.zorg-gestart'
        ? { begindatum: e.data.begindatum }
        : { einddatum: e.data.einddatum, redenBeeindiging: e.data.redenBeeindiging }),
    });
  }),
  // Provider requests (WMO315/317), by the provider's reference.
  ...voorElk(['nl.wmo.toewijzing-aangevraagd', 'nl.wmo.toewijzingswijziging-aangevraagd'], (s, e, f) => {
    const { referentieAanbieder, zorgaanbieder, ...details } = e.data;
    zetFeit(s.wmo.verzoeken, referentieAanbieder, f.positie, {
      soort: e.type === 'nl.wmo.toewijzing-aangevraagd' ? 'toewijzing' : 'wijziging',
      zorgaanbieder,
      details,
    });
  }),
  'nl.wmo.verzoek-beantwoord': (s, e, f) => {
    const { referentieAanbieder, verzoekAntwoord, toelichting } = e.data;
    zetFeit(s.wmo.verzoeken, referentieAanbieder, f.positie, {
      antwoord: { verzoekAntwoord, ...(toelichting ? { toelichting } : {}) },
    });
  },
  'nl.wmo.declaratie-ingediend': (s, e, f) => {
    const { declaratienummer, ...ingediend } = e.data;
    zetFeit(s.wmo.declaraties, declaratienummer, f.positie, { ingediend });
  },
  'nl.wmo.declaratie-beantwoord': (s, e, f) => {
    const { declaratienummer, ...antwoord } = e.data;
    zetFeit(s.wmo.declaraties, declaratienummer, f.positie, { antwoord });
  },
  // The CAK's start and stop of the eigen bijdrage (WMO405/407) fill one record per product category.
  ...voorElk(['nl.wmo.eigen-bijdrage-gestart', 'nl.wmo.eigen-bijdrage-gestopt'], (s, e) => {
    const d = e.data;
    s.wmo.eigenBijdrage[d.productcategorie] = {
      ...s.wmo.eigenBijdrage[d.productcategorie],
      gemeentecode: d.gemeentecode,
      ...(e.type === 'nl.wmo.eigen-bijdrage-gestart'
        ? { ingangsdatum: e.data.ingangsdatum, aanleidingStart: d.aanleiding }
        : { einddatum: e.data.einddatum, aanleidingStop: d.aanleiding }),
    };
    s.client = { ...s.client, bsn: d.bsn, gemeentecode: d.gemeentecode };
  }),
};
