import type { Termijnsoort } from '@ketenhub/events';
import { type HandlerTable, type TypesOf, voorElk, weiger } from './handler';
import { beslistermijn, lopendeKlok, startKlok, stopKlok } from './klokken';

/**
 * Omgevingswet events (`nl.omgevingswet.*`): the request and its decision
 * term, supplements that suspend it, the one extension, advice and consent, the draft decision and
 * its zienswijzen, the decision, its publication and the objection and appeal after it.
 */
export const omgevingswetHandlers: HandlerTable<TypesOf<'omgevingswet'>> = {
  'nl.omgevingswet.conceptverzoek-ontvangen': (s, e) => {
    s.omgevingswet.conceptverzoek = e.data;
  },
  'nl.omgevingswet.aanvraag-ontvangen': (s, e) => {
    s.omgevingswet.aanvraag = e.data;
    s.procedure = e.data.procedure;
    startKlok(s, beslistermijn(s), e.data.ontvangstdatum);
  },
  'nl.omgevingswet.ontvangst-bevestigd': (s, e) => {
    s.omgevingswet.ontvangstBevestigd = e.data.bevestigingsdatum;
  },
  'nl.omgevingswet.aanvulling-gevraagd': (s, e, f) => {
    const d = e.data;
    const k = lopendeKlok(s, e, f, beslistermijn(s));
    if (!k) return;
    k.opschortingen.push({
      verzoekdatum: d.verzoekdatum,
      uiterlijkeAanleverdatum: d.uiterlijkeAanleverdatum,
    });
    s.omgevingswet.aanvullingen.push({ ...d });
    startKlok(s, 'omgevingswet-aanvulling', d.verzoekdatum, { vastEinde: d.uiterlijkeAanleverdatum });
  },
  'nl.omgevingswet.aanvulling-ontvangen': (s, e, f) => {
    const open = s.omgevingswet.aanvullingen.find((a) => a.ontvangstdatum === undefined);
    const k = s.klokken[beslistermijn(s)];
    const opschorting = k?.opschortingen.find((o) => o.ontvangstdatum === undefined);
    if (!open || !opschorting) {
      weiger(s, e, f, 'geen-open-aanvulling');
      return;
    }
    open.ontvangstdatum = e.data.ontvangstdatum;
    opschorting.ontvangstdatum = e.data.ontvangstdatum;
    stopKlok(s, 'omgevingswet-aanvulling', e.data.ontvangstdatum, 'aanvulling-ontvangen');
  },
  'nl.omgevingswet.aanvraag-buiten-behandeling-gesteld': (s, e) => {
    s.omgevingswet.besluit = { soort: 'buiten-behandeling', ...e.data };
    stopKlok(s, beslistermijn(s), e.data.besluitdatum, 'buiten-behandeling-gesteld');
    stopKlok(s, 'omgevingswet-aanvulling', e.data.besluitdatum, 'buiten-behandeling-gesteld');
    stopKlok(s, 'ingebrekestelling', e.data.besluitdatum, 'buiten-behandeling-gesteld');
    // Sent to the applicant, so the objection term starts from this decision (Awb 6:7, 6:8).
    startKlok(s, 'omgevingswet-bezwaar', e.data.besluitdatum);
    s.geslotenOp ??= e.time;
  },
  'nl.omgevingswet.beslistermijn-verlengd': (s, e, f) => {
    const k = lopendeKlok(s, e, f, beslistermijn(s), true);
    if (!k) return;
    k.verlenging = { weken: e.data.verlengingInWeken };
    s.omgevingswet.verlenging = e.data;
  },
  'nl.omgevingswet.advies-gevraagd': (s, e) => {
    const { adviesverzoekId, ...gevraagd } = e.data;
    s.omgevingswet.adviezen[adviesverzoekId] = { ...s.omgevingswet.adviezen[adviesverzoekId], gevraagd };
  },
  'nl.omgevingswet.advies-gegeven': (s, e, f) => {
    const { adviesverzoekId, ...gegeven } = e.data;
    const bestaand = s.omgevingswet.adviezen[adviesverzoekId];
    s.omgevingswet.adviezen[adviesverzoekId] = { ...bestaand, gegeven: { ...gegeven, door: f.door } };
  },
  'nl.omgevingswet.instemming-gevraagd': (s, e) => {
    const { instemmingsverzoekId, ...gevraagd } = e.data;
    s.omgevingswet.instemmingen[instemmingsverzoekId] = {
      ...s.omgevingswet.instemmingen[instemmingsverzoekId],
      gevraagd,
    };
  },
  ...voorElk(['nl.omgevingswet.instemming-verleend', 'nl.omgevingswet.instemming-geweigerd'], (s, e, f) => {
    const id = e.data.instemmingsverzoekId;
    s.omgevingswet.instemmingen[id] = {
      ...s.omgevingswet.instemmingen[id],
      besluit:
        e.type === 'nl.omgevingswet.instemming-verleend'
          ? {
              uitkomst: 'verleend',
              besluitdatum: e.data.besluitdatum,
              door: f.door,
              ...(e.data.voorschriften ? { voorschriften: e.data.voorschriften } : {}),
            }
          : {
              uitkomst: 'geweigerd',
              besluitdatum: e.data.besluitdatum,
              door: f.door,
              motivering: e.data.motivering,
            },
    };
  }),
  'nl.omgevingswet.ontwerpbesluit-ter-inzage-gelegd': (s, e) => {
    s.omgevingswet.ontwerpbesluit = e.data;
    startKlok(s, 'omgevingswet-zienswijzen', e.data.terInzageVanaf);
  },
  'nl.omgevingswet.zienswijze-ontvangen': (s, e) => {
    const { zienswijzeId, ...rest } = e.data;
    s.omgevingswet.zienswijzen[zienswijzeId] = rest;
  },
  'nl.omgevingswet.besluit-genomen': (s, e, f) => {
    s.omgevingswet.besluit = { soort: 'besluit', ...e.data };
    stopKlok(s, beslistermijn(s), e.data.besluitdatum, 'besluit-genomen');
    stopKlok(s, 'ingebrekestelling', e.data.besluitdatum, 'besluit-genomen');
    // Advice with consent: a refusal blocks the permit. The decision is the authority's fact and
    // stays; the contradiction is flagged for every participant to see.
    const geweigerd = Object.values(s.omgevingswet.instemmingen).some(
      (i) => i.besluit?.uitkomst === 'geweigerd',
    );
    if (geweigerd && e.data.uitkomst !== 'geweigerd')
      weiger(s, e, f, 'verleend-ondanks-geweigerde-instemming');
  },
  'nl.omgevingswet.besluit-bekendgemaakt': (s, e) => {
    s.omgevingswet.bekendmaking = e.data;
    startKlok(
      s,
      e.data.rechtsmiddel === 'beroep' ? 'omgevingswet-beroep' : 'omgevingswet-bezwaar',
      e.data.bekendmakingsdatum,
    );
  },
  'nl.omgevingswet.bezwaar-ingesteld': (s, e) => {
    s.omgevingswet.bezwaren[e.data.bezwaarId] = { ontvangstdatum: e.data.ontvangstdatum };
  },
  'nl.omgevingswet.beroep-ingesteld': (s, e) => {
    s.omgevingswet.beroepen[e.data.beroepId] = { ingesteldOp: e.data.ingesteldOp, grond: e.data.grond };
  },
  'nl.omgevingswet.aanvraag-ingetrokken': (s, e) => {
    s.omgevingswet.ingetrokken = e.data.intrekkingsdatum;
    for (const soort of Object.keys(s.klokken) as Termijnsoort[]) {
      stopKlok(s, soort, e.data.intrekkingsdatum, 'aanvraag-ingetrokken');
    }
    s.geslotenOp ??= e.time;
  },
};
