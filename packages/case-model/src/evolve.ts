import { type AccessContext, applyAccess, oinOfSource, type Verdict } from '@ketenhub/access';
import { assertNever, definitionOf, eventTypes, type KetenEvent, type Termijnsoort } from '@ketenhub/events';
import type { IsoDate } from './clocks';
import { type CaseState, type ConflictReden, emptyCase, type Fase, type Klok, type Plaats } from './state';

/**
 * The projection of a chain case: `evolve(state | null, event, ctx) -> state`, pure.
 *
 * One order: the log. All events of a chain case are on one partition (key = chain case id), so
 * the case is the fold of its deduplicated events in their order in the log, the same for every
 * consumer, instance and rebuild. Who may do what is decided by the hub's one access rule
 * (@ketenhub/access) at each event's place in that order, exactly as the gateway decided before
 * publishing and the dispatcher decides before delivering. Folding by the events' `time` was
 * given up for this: `time` is the producer's claim, and ordering by it would let a removed
 * participant backdate an event to before its removal. Should a case's events ever reach two
 * partitions, the consumer refolds the case from its stored timeline in (topic, partition, offset)
 * order, which is deterministic too.
 *
 * Time, ids and lookups come from the event or from `ctx`; nothing here reads a clock.
 */

export type EvolveContext = AccessContext;

/** The event types this projection handles: every catalog type (the switch below is exhaustive). */
export const handledTypes = eventTypes;

/** The fold order: topic, partition, offset. */
export function comparePlaats(a: Plaats, b: Plaats): number {
  if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1;
  if (a.partitie !== b.partitie) return a.partitie - b.partitie;
  return a.offset - b.offset;
}

/** Pure: a new state; the input is not touched. `plaats`: where the event is in the log. */
export function evolve(
  state: CaseState | null,
  event: KetenEvent,
  ctx: EvolveContext,
  plaats?: Plaats,
): CaseState {
  const draft = state ? structuredClone(state) : emptyCase(event.subject);
  applyInPlace(draft, event, ctx, plaats);
  return draft;
}

/**
 * The joined case of events in log order: deduplicated by source+id (the first copy counts),
 * folded. `from` is an existing state to continue from; `plaatsen[i]` is where `events[i]` is in
 * the log (tests may leave them out: the array order is then the log order).
 */
export function fold(
  caseId: string,
  events: readonly KetenEvent[],
  ctx: EvolveContext,
  from?: CaseState | null,
  plaatsen?: readonly Plaats[],
  /** Called after each folded event with the state just after it (the feed's recipients). */
  onFolded?: (event: KetenEvent, state: CaseState, verdict: Verdict, index: number) => void,
): CaseState {
  const seen = new Set<string>();
  // One clone for the whole fold instead of one per event: the draft is private to this call.
  const draft = from ? structuredClone(from) : emptyCase(caseId);
  for (const [i, e] of events.entries()) {
    const key = `${e.source}\u0000${e.id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const verdict = applyInPlace(draft, e, ctx, plaatsen?.[i]);
    onFolded?.(e, draft, verdict, i);
  }
  return draft;
}

/** True when an event at `plaats` comes after everything folded into `state` (incremental apply is exact). */
export function appliesAfter(state: CaseState | null, plaats: Plaats): boolean {
  return state?.laatste == null || comparePlaats(state.laatste, plaats) < 0;
}

// ---------------------------------------------------------------------------------------------

function conflict(
  s: CaseState,
  e: KetenEvent,
  reden: ConflictReden,
  verdict: Verdict,
  toegang: boolean,
  feit = definitionOf(e.type)?.sets?.fact,
) {
  s.conflicten.push({
    source: e.source,
    eventId: e.id,
    type: e.type,
    tijd: e.time,
    reden,
    ...(feit ? { feit } : {}),
    rollen: verdict.rollen,
    toegang,
  });
}

function beslistermijn(s: CaseState): Termijnsoort {
  return s.procedure === 'uitgebreid'
    ? 'omgevingswet-beslistermijn-uitgebreid'
    : 'omgevingswet-beslistermijn-regulier';
}

function startKlok(s: CaseState, soort: Termijnsoort, start: IsoDate, extra: Partial<Klok> = {}) {
  const bestaand = s.klokken[soort];
  s.klokken[soort] = {
    soort,
    start,
    opschortingen: [],
    verlenging: null,
    gestoptOp: null,
    // A restarted clock (a second melding, a corrected date) keeps the hub's earlier notices.
    verstrekenGemeld: bestaand?.verstrekenGemeld ?? [],
    ...extra,
  };
}

function stopKlok(s: CaseState, soort: Termijnsoort, op: IsoDate, reden: string) {
  const k = s.klokken[soort];
  if (k && k.gestoptOp === null) {
    k.gestoptOp = op;
    k.stopreden = reden;
  }
}

function applyInPlace(s: CaseState, e: KetenEvent, ctx: EvolveContext, plaats?: Plaats): Verdict {
  s.aantalEvents += 1;
  if (plaats) s.laatste = plaats;
  const positie = s.aantalEvents;
  // The one rule decides first: an event whose publisher was not entitled changes nothing.
  const verdict = applyAccess(s.access, e, ctx, positie);
  if (!verdict.ok) {
    conflict(s, e, verdict.regel, verdict, true);
    finish(s, e);
    return verdict;
  }
  const sourceOin = oinOfSource(e.source);

  switch (e.type) {
    // ----------------------------------------------------------------------------- ketens
    case 'nl.ketens.ketenzaak-geopend': {
      const d = e.data;
      s.domein = d.domein;
      if (d.procedure && !s.omgevingswet.aanvraag) s.procedure = d.procedure;
      s.geopendOp ??= e.time;
      break;
    }
    // Participation lives in the access state (applied above); nothing else of the case changes.
    case 'nl.ketens.deelnemer-aangesloten':
    case 'nl.ketens.deelnemer-uitgenodigd':
    case 'nl.ketens.uitnodiging-aanvaard':
    case 'nl.ketens.uitnodiging-afgewezen':
    case 'nl.ketens.uitnodiging-ingetrokken':
    case 'nl.ketens.toegang-gewijzigd':
    case 'nl.ketens.deelnemer-verwijderd':
      break;
    case 'nl.ketens.actieverzoek-verzonden': {
      const d = e.data;
      const bestaand = s.actieverzoeken[d.actieverzoekId];
      s.actieverzoeken[d.actieverzoekId] = {
        id: d.actieverzoekId,
        soort: d.soort,
        van: d.van,
        aan: d.aan,
        omschrijving: d.omschrijving,
        ...(d.uiterlijkeDatum ? { uiterlijkeDatum: d.uiterlijkeDatum } : {}),
        status: bestaand?.status ?? 'OPEN',
        historie: bestaand?.historie ?? [{ status: 'OPEN', tijd: e.time, door: sourceOin ?? '' }],
      };
      break;
    }
    // Who may answer (the receiver) or close (the requester) was decided by the access rule.
    case 'nl.ketens.actieverzoek-in-behandeling-genomen':
    case 'nl.ketens.actieverzoek-geweigerd':
    case 'nl.ketens.actieverzoek-gereedgemeld':
    case 'nl.ketens.actieverzoek-ingetrokken':
    case 'nl.ketens.actieverzoek-afgerond': {
      const d = e.data;
      const av = s.actieverzoeken[d.actieverzoekId];
      if (!av) break;
      av.status = d.status;
      av.historie.push({
        status: d.status,
        tijd: e.time,
        door: sourceOin ?? '',
        ...(d.toelichting ? { toelichting: d.toelichting } : {}),
      });
      break;
    }
    case 'nl.ketens.document-toegevoegd': {
      const d = e.data;
      const bestaand = s.documenten[d.documentId];
      if (bestaand && bestaand.toegevoegdDoor !== sourceOin) {
        conflict(s, e, 'ander-document', verdict, false, 'document');
        break;
      }
      s.documenten[d.documentId] = { ...d, toegevoegdDoor: sourceOin ?? '', tijd: e.time };
      break;
    }
    case 'nl.ketens.termijn-verstreken': {
      const k = s.klokken[e.data.termijn];
      if (k && !k.verstrekenGemeld.includes(e.data.termijnEinde))
        k.verstrekenGemeld.push(e.data.termijnEinde);
      break;
    }
    case 'nl.ketens.ingebrekestelling-ontvangen': {
      s.ingebrekestellingen.push(e.data);
      startKlok(s, 'ingebrekestelling', e.data.ontvangstdatum, { voorTermijn: e.data.termijn });
      break;
    }

    // ----------------------------------------------------------------------------- WMO
    case 'nl.wmo.melding-ontvangen': {
      const d = e.data;
      s.wmo.melding = {
        meldingsdatum: d.meldingsdatum,
        gemeentecode: d.gemeentecode,
        ...(d.verwijzer ? { verwijzer: d.verwijzer } : {}),
      };
      s.client = { ...s.client, bsn: d.bsn, gemeentecode: d.gemeentecode };
      startKlok(s, 'wmo-onderzoek', d.meldingsdatum);
      break;
    }
    case 'nl.wmo.onderzoek-gestart': {
      s.wmo.onderzoek = { ...s.wmo.onderzoek, startdatum: e.data.startdatum };
      break;
    }
    case 'nl.wmo.onderzoek-afgerond': {
      s.wmo.onderzoek = {
        ...s.wmo.onderzoek,
        einddatum: e.data.einddatum,
        verslagVerstrekt: e.data.verslagVerstrekt,
      };
      stopKlok(s, 'wmo-onderzoek', e.data.einddatum, 'onderzoek-afgerond');
      break;
    }
    case 'nl.wmo.aanvraag-ontvangen': {
      s.wmo.aanvraag = e.data;
      // An aanvraag after the 6 weeks (no onderzoek-afgerond) supersedes the onderzoek: from now
      // the municipality must decide on the aanvraag, so that clock stops here.
      stopKlok(s, 'wmo-onderzoek', e.data.aanvraagdatum, 'aanvraag-ontvangen');
      startKlok(s, 'wmo-beschikking', e.data.aanvraagdatum);
      break;
    }
    case 'nl.wmo.beschikkingstermijn-verlengd': {
      const k = s.klokken['wmo-beschikking'];
      if (!k || k.gestoptOp !== null) {
        conflict(s, e, 'geen-lopende-termijn', verdict, false);
        break;
      }
      if (k.verlenging) {
        conflict(s, e, 'al-verlengd', verdict, false);
        break;
      }
      k.verlenging = { totEnMet: e.data.nieuweEinddatum };
      s.wmo.beschikkingstermijnVerlengd = e.data;
      break;
    }
    case 'nl.wmo.beschikking-afgegeven': {
      s.wmo.beschikking = e.data;
      stopKlok(s, 'wmo-beschikking', e.data.besluitdatum, 'beschikking-afgegeven');
      stopKlok(s, 'ingebrekestelling', e.data.besluitdatum, 'beschikking-afgegeven');
      break;
    }
    case 'nl.wmo.toewijzing-verzonden': {
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
      break;
    }
    case 'nl.wmo.retourbericht-verzonden': {
      const d = e.data;
      s.wmo.retourberichten.push({ ...d, positie });
      if (d.heenbericht === 'WMO301' && d.toewijzingNummer !== undefined) {
        const t = s.wmo.toewijzingen[String(d.toewijzingNummer)];
        if (t) t.retour = { geaccepteerd: d.geaccepteerd, retourcodes: d.retourcodes };
      }
      break;
    }
    case 'nl.wmo.zorg-gestart': {
      const d = e.data;
      const nr = String(d.toewijzingNummer);
      s.wmo.zorg[nr] = {
        positie,
        ...s.wmo.zorg[nr],
        zorgaanbieder: d.zorgaanbieder,
        begindatum: d.begindatum,
      };
      break;
    }
    case 'nl.wmo.zorg-gestopt': {
      const d = e.data;
      const nr = String(d.toewijzingNummer);
      s.wmo.zorg[nr] = {
        positie,
        ...s.wmo.zorg[nr],
        zorgaanbieder: d.zorgaanbieder,
        einddatum: d.einddatum,
        redenBeeindiging: d.redenBeeindiging,
      };
      break;
    }
    case 'nl.wmo.toewijzing-aangevraagd':
    case 'nl.wmo.toewijzingswijziging-aangevraagd': {
      const { referentieAanbieder, zorgaanbieder, ...details } = e.data;
      s.wmo.verzoeken[referentieAanbieder] = {
        positie,
        ...s.wmo.verzoeken[referentieAanbieder],
        soort: e.type === 'nl.wmo.toewijzing-aangevraagd' ? 'toewijzing' : 'wijziging',
        zorgaanbieder,
        details,
      };
      break;
    }
    case 'nl.wmo.verzoek-beantwoord': {
      const { referentieAanbieder, verzoekAntwoord, toelichting } = e.data;
      s.wmo.verzoeken[referentieAanbieder] = {
        positie,
        ...s.wmo.verzoeken[referentieAanbieder],
        antwoord: { verzoekAntwoord, ...(toelichting ? { toelichting } : {}) },
      };
      break;
    }
    case 'nl.wmo.declaratie-ingediend': {
      const { declaratienummer, ...ingediend } = e.data;
      s.wmo.declaraties[declaratienummer] = { positie, ...s.wmo.declaraties[declaratienummer], ingediend };
      break;
    }
    case 'nl.wmo.declaratie-beantwoord': {
      const { declaratienummer, ...antwoord } = e.data;
      s.wmo.declaraties[declaratienummer] = { positie, ...s.wmo.declaraties[declaratienummer], antwoord };
      break;
    }
    // The CAK's start and stop of the eigen bijdrage fill one record per product category.
    case 'nl.wmo.eigen-bijdrage-gestart':
    case 'nl.wmo.eigen-bijdrage-gestopt': {
      const d = e.data;
      s.wmo.eigenBijdrage[d.productcategorie] = {
        ...s.wmo.eigenBijdrage[d.productcategorie],
        gemeentecode: d.gemeentecode,
        ...(e.type === 'nl.wmo.eigen-bijdrage-gestart'
          ? { ingangsdatum: e.data.ingangsdatum, aanleidingStart: d.aanleiding }
          : { einddatum: e.data.einddatum, aanleidingStop: d.aanleiding }),
      };
      s.client = { ...s.client, bsn: d.bsn, gemeentecode: d.gemeentecode };
      break;
    }

    // ----------------------------------------------------------------------------- Omgevingswet
    case 'nl.omgevingswet.conceptverzoek-ontvangen': {
      s.omgevingswet.conceptverzoek = e.data;
      break;
    }
    case 'nl.omgevingswet.aanvraag-ontvangen': {
      s.omgevingswet.aanvraag = e.data;
      s.procedure = e.data.procedure;
      startKlok(s, beslistermijn(s), e.data.ontvangstdatum);
      break;
    }
    case 'nl.omgevingswet.ontvangst-bevestigd': {
      s.omgevingswet.ontvangstBevestigd = e.data.bevestigingsdatum;
      break;
    }
    case 'nl.omgevingswet.aanvulling-gevraagd': {
      const d = e.data;
      const k = s.klokken[beslistermijn(s)];
      if (!k || k.gestoptOp !== null) {
        conflict(s, e, 'geen-lopende-termijn', verdict, false);
        break;
      }
      k.opschortingen.push({
        verzoekdatum: d.verzoekdatum,
        uiterlijkeAanleverdatum: d.uiterlijkeAanleverdatum,
      });
      s.omgevingswet.aanvullingen.push({ ...d });
      startKlok(s, 'omgevingswet-aanvulling', d.verzoekdatum, { vastEinde: d.uiterlijkeAanleverdatum });
      break;
    }
    case 'nl.omgevingswet.aanvulling-ontvangen': {
      const open = s.omgevingswet.aanvullingen.find((a) => a.ontvangstdatum === undefined);
      const k = s.klokken[beslistermijn(s)];
      const opschorting = k?.opschortingen.find((o) => o.ontvangstdatum === undefined);
      if (!open || !opschorting) {
        conflict(s, e, 'geen-open-aanvulling', verdict, false);
        break;
      }
      open.ontvangstdatum = e.data.ontvangstdatum;
      opschorting.ontvangstdatum = e.data.ontvangstdatum;
      stopKlok(s, 'omgevingswet-aanvulling', e.data.ontvangstdatum, 'aanvulling-ontvangen');
      break;
    }
    case 'nl.omgevingswet.aanvraag-buiten-behandeling-gesteld': {
      s.omgevingswet.besluit = { soort: 'buiten-behandeling', ...e.data };
      stopKlok(s, beslistermijn(s), e.data.besluitdatum, 'buiten-behandeling-gesteld');
      stopKlok(s, 'omgevingswet-aanvulling', e.data.besluitdatum, 'buiten-behandeling-gesteld');
      stopKlok(s, 'ingebrekestelling', e.data.besluitdatum, 'buiten-behandeling-gesteld');
      // Sent to the applicant, so the objection term starts from this decision (Awb 6:7, 6:8).
      startKlok(s, 'omgevingswet-bezwaar', e.data.besluitdatum);
      s.geslotenOp ??= e.time;
      break;
    }
    case 'nl.omgevingswet.beslistermijn-verlengd': {
      const k = s.klokken[beslistermijn(s)];
      if (!k || k.gestoptOp !== null) {
        conflict(s, e, 'geen-lopende-termijn', verdict, false);
        break;
      }
      if (k.verlenging) {
        conflict(s, e, 'al-verlengd', verdict, false);
        break;
      }
      k.verlenging = { weken: e.data.verlengingInWeken };
      s.omgevingswet.verlenging = e.data;
      break;
    }
    case 'nl.omgevingswet.advies-gevraagd': {
      const { adviesverzoekId, ...gevraagd } = e.data;
      s.omgevingswet.adviezen[adviesverzoekId] = { ...s.omgevingswet.adviezen[adviesverzoekId], gevraagd };
      break;
    }
    case 'nl.omgevingswet.advies-gegeven': {
      const { adviesverzoekId, ...gegeven } = e.data;
      const bestaand = s.omgevingswet.adviezen[adviesverzoekId];
      s.omgevingswet.adviezen[adviesverzoekId] = {
        ...bestaand,
        gegeven: { ...gegeven, door: sourceOin ?? '' },
      };
      break;
    }
    case 'nl.omgevingswet.instemming-gevraagd': {
      const { instemmingsverzoekId, ...gevraagd } = e.data;
      s.omgevingswet.instemmingen[instemmingsverzoekId] = {
        ...s.omgevingswet.instemmingen[instemmingsverzoekId],
        gevraagd,
      };
      break;
    }
    case 'nl.omgevingswet.instemming-verleend':
    case 'nl.omgevingswet.instemming-geweigerd': {
      const id = e.data.instemmingsverzoekId;
      const bestaand = s.omgevingswet.instemmingen[id];
      s.omgevingswet.instemmingen[id] = {
        ...bestaand,
        besluit:
          e.type === 'nl.omgevingswet.instemming-verleend'
            ? {
                uitkomst: 'verleend',
                besluitdatum: e.data.besluitdatum,
                door: sourceOin ?? '',
                ...(e.data.voorschriften ? { voorschriften: e.data.voorschriften } : {}),
              }
            : {
                uitkomst: 'geweigerd',
                besluitdatum: e.data.besluitdatum,
                door: sourceOin ?? '',
                motivering: e.data.motivering,
              },
      };
      break;
    }
    case 'nl.omgevingswet.ontwerpbesluit-ter-inzage-gelegd': {
      s.omgevingswet.ontwerpbesluit = e.data;
      startKlok(s, 'omgevingswet-zienswijzen', e.data.terInzageVanaf);
      break;
    }
    case 'nl.omgevingswet.zienswijze-ontvangen': {
      const { zienswijzeId, ...rest } = e.data;
      s.omgevingswet.zienswijzen[zienswijzeId] = rest;
      break;
    }
    case 'nl.omgevingswet.besluit-genomen': {
      s.omgevingswet.besluit = { soort: 'besluit', ...e.data };
      stopKlok(s, beslistermijn(s), e.data.besluitdatum, 'besluit-genomen');
      stopKlok(s, 'ingebrekestelling', e.data.besluitdatum, 'besluit-genomen');
      // Advice with consent: a refusal blocks the permit. The decision is the authority's fact and
      // stays; the contradiction is flagged for every participant to see.
      const geweigerd = Object.values(s.omgevingswet.instemmingen).some(
        (i) => i.besluit?.uitkomst === 'geweigerd',
      );
      if (geweigerd && e.data.uitkomst !== 'geweigerd')
        conflict(s, e, 'verleend-ondanks-geweigerde-instemming', verdict, false);
      break;
    }
    case 'nl.omgevingswet.besluit-bekendgemaakt': {
      s.omgevingswet.bekendmaking = e.data;
      startKlok(
        s,
        e.data.rechtsmiddel === 'beroep' ? 'omgevingswet-beroep' : 'omgevingswet-bezwaar',
        e.data.bekendmakingsdatum,
      );
      break;
    }
    case 'nl.omgevingswet.bezwaar-ingesteld': {
      s.omgevingswet.bezwaren[e.data.bezwaarId] = { ontvangstdatum: e.data.ontvangstdatum };
      break;
    }
    case 'nl.omgevingswet.beroep-ingesteld': {
      s.omgevingswet.beroepen[e.data.beroepId] = { ingesteldOp: e.data.ingesteldOp, grond: e.data.grond };
      break;
    }
    case 'nl.omgevingswet.aanvraag-ingetrokken': {
      s.omgevingswet.ingetrokken = e.data.intrekkingsdatum;
      for (const soort of Object.keys(s.klokken) as Termijnsoort[]) {
        stopKlok(s, soort, e.data.intrekkingsdatum, 'aanvraag-ingetrokken');
      }
      s.geslotenOp ??= e.time;
      break;
    }
    default:
      assertNever(e);
  }
  finish(s, e);
  return verdict;
}

/** Facts derived from the others after every event, whatever it did. */
function finish(s: CaseState, e: KetenEvent) {
  s.fase = faseVan(s);
  if (s.domein === 'wmo') s.geslotenOp = wmoGeslotenOp(s, e);
}

/**
 * A WMO case is closed when care was assigned and every assignment's care has stopped, or the
 * aanvraag was refused; it reopens when that stops being true (a new toewijzing).
 */
function wmoGeslotenOp(s: CaseState, e: KetenEvent): string | null {
  const nrs = Object.keys(s.wmo.toewijzingen);
  const zorgKlaar = nrs.length > 0 && nrs.every((nr) => s.wmo.zorg[nr]?.einddatum !== undefined);
  const afgewezen = s.wmo.beschikking?.besluit === 'afgewezen' && nrs.length === 0;
  if (!zorgKlaar && !afgewezen) return null;
  return s.geslotenOp ?? e.time;
}

/** Phase derived from the facts (not from the last event), so it cannot depend on arrival order. */
export function faseVan(s: CaseState): Fase {
  if (s.domein === null) return 'onvolledig';
  if (s.domein === 'wmo') {
    const w = s.wmo;
    const nrs = Object.keys(w.toewijzingen);
    if (s.geslotenOp !== null || wmoGeslotenOpZonderEvent(s)) return 'afgesloten';
    if (Object.values(w.zorg).some((z) => z.begindatum !== undefined)) return 'zorg';
    if (nrs.length > 0) return 'toewijzing';
    if (w.beschikking) return 'beschikking';
    if (w.aanvraag) return 'aanvraag';
    if (w.onderzoek) return 'onderzoek';
    if (w.melding) return 'melding';
    return 'geopend';
  }
  const o = s.omgevingswet;
  if (o.ingetrokken) return 'ingetrokken';
  if (o.besluit?.soort === 'buiten-behandeling') return 'buiten-behandeling';
  if (Object.keys(o.beroepen).length > 0) return 'beroep';
  if (Object.keys(o.bezwaren).length > 0) return 'bezwaar';
  if (o.bekendmaking) return 'bekendgemaakt';
  if (o.besluit) return 'besluit';
  if (o.ontwerpbesluit) return 'ontwerpbesluit';
  if (o.aanvullingen.some((a) => a.ontvangstdatum === undefined)) return 'aanvulling';
  const adviesOpen =
    Object.values(o.adviezen).some((a) => a.gevraagd && !a.gegeven) ||
    Object.values(o.instemmingen).some((i) => i.gevraagd && !i.besluit);
  if (adviesOpen) return 'advies';
  if (o.aanvraag) return 'aanvraag';
  if (o.conceptverzoek) return 'vooroverleg';
  return 'geopend';
}

function wmoGeslotenOpZonderEvent(s: CaseState): boolean {
  const nrs = Object.keys(s.wmo.toewijzingen);
  return (
    (nrs.length > 0 && nrs.every((nr) => s.wmo.zorg[nr]?.einddatum !== undefined)) ||
    (s.wmo.beschikking?.besluit === 'afgewezen' && nrs.length === 0)
  );
}
