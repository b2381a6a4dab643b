import {
  assertNever,
  definitionOf,
  eventTypes,
  type KetenEvent,
  mayPublish,
  type PublisherRole,
  parseSource,
  type Termijnsoort,
} from '@ketenhub/events';
import type { IsoDate } from '../clocks';
import { type CaseState, type ConflictReden, emptyCase, type Fase, type Klok, type Volgorde } from './state';

/**
 * The projection of a chain case: `evolve(state | null, event, ctx) -> state`, pure.
 *
 * Order independence. Events of one case can arrive in any order (replays, multi-topic readers,
 * producers that publish late). Rather than make every rule commutative (ownership and "the single
 * extension" are inherently order-dependent), the case is defined as the fold of its events in
 * ONE total order: (time, source, id) — see {@link compareEvents}. Duplicates (same source+id) are
 * dropped before folding. The consumer applies an event incrementally when it sorts after the
 * case's last folded event (the normal case) and refolds the case from its stored timeline when it
 * does not; either way the state equals `fold(all events)`, whatever the arrival order.
 *
 * Time, ids and lookups come from the event or from `ctx`; nothing here reads a clock.
 */

export interface EvolveContext {
  /** OIN of this hub: its events (termijn-verstreken) act with the role `ketenhub`. */
  hubOin: string;
}

/** The event types this projection handles: every catalog type (the switch below is exhaustive). */
export const handledTypes = eventTypes;

export function volgordeVan(event: Pick<KetenEvent, 'time' | 'source' | 'id'>): Volgorde {
  return { tijdMs: Date.parse(event.time), source: event.source, id: event.id };
}

/** The fold order: event time (as an instant), then source, then id. Total and deterministic. */
export function compareVolgorde(a: Volgorde, b: Volgorde): number {
  if (a.tijdMs !== b.tijdMs) return a.tijdMs < b.tijdMs ? -1 : 1;
  if (a.source !== b.source) return a.source < b.source ? -1 : 1;
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  return 0;
}

export function compareEvents(a: KetenEvent, b: KetenEvent): number {
  return compareVolgorde(volgordeVan(a), volgordeVan(b));
}

/** Pure: a new state; the input is not touched. */
export function evolve(state: CaseState | null, event: KetenEvent, ctx: EvolveContext): CaseState {
  const draft = state ? structuredClone(state) : emptyCase(event.subject);
  applyInPlace(draft, event, ctx);
  return draft;
}

/**
 * The joined case of a set of events: deduplicated by source+id, sorted in fold order, folded.
 * `from` is an existing state to continue from (its events must all sort before `events`).
 */
export function fold(
  caseId: string,
  events: readonly KetenEvent[],
  ctx: EvolveContext,
  from?: CaseState | null,
): CaseState {
  const seen = new Set<string>();
  const unique: KetenEvent[] = [];
  for (const e of events) {
    const key = `${e.source}\u0000${e.id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(e);
  }
  // The fold order's keys once per event (Date.parse per comparison was a measurable share of
  // catch-up); most batches arrive in order already, and then nothing is sorted.
  const keyed = unique.map((e) => ({ e, v: volgordeVan(e) }));
  let ordered = true;
  for (let i = 1; i < keyed.length && ordered; i++)
    ordered = compareVolgorde(keyed[i - 1]!.v, keyed[i]!.v) <= 0;
  if (!ordered) keyed.sort((a, b) => compareVolgorde(a.v, b.v));
  // One clone for the whole fold instead of one per event: the draft is private to this call.
  const draft = from ? structuredClone(from) : emptyCase(caseId);
  for (const { e, v } of keyed) applyInPlace(draft, e, ctx, v);
  return draft;
}

/** True when `event` sorts after everything already folded into `state` (incremental apply is exact). */
export function appliesAfter(state: CaseState | null, event: KetenEvent): boolean {
  return state?.laatste == null || compareVolgorde(state.laatste, volgordeVan(event)) < 0;
}

// ---------------------------------------------------------------------------------------------

function rolesOf(s: CaseState, oin: string | undefined, ctx: EvolveContext): PublisherRole[] {
  if (oin === undefined) return [];
  if (oin === ctx.hubOin) return ['ketenhub'];
  const roles = new Set<PublisherRole>();
  for (const d of s.deelnemers) if (d.oin === oin) roles.add(d.rol);
  return [...roles];
}

function conflict(
  s: CaseState,
  e: KetenEvent,
  reden: ConflictReden,
  rollen: PublisherRole[],
  feit = definitionOf(e.type)?.sets?.fact,
) {
  s.conflicten.push({
    source: e.source,
    eventId: e.id,
    type: e.type,
    tijd: e.time,
    reden,
    ...(feit ? { feit } : {}),
    rollen,
  });
}

/**
 * Ownership (DOMAIN.md section 1): an event that sets a fact is applied only when the publisher
 * takes part in the case with one of the fact's owner roles (catalog `sets.owners`); an event that
 * sets no owned fact only needs a role that may publish it. Anything else is kept in the timeline
 * and flagged as a conflict. Roles are those the organisation has at that point of the fold: an
 * organisation must have joined before it acts.
 */
function authorised(s: CaseState, e: KetenEvent, rollen: PublisherRole[]): boolean {
  if (rollen.length === 0) {
    conflict(s, e, 'geen-deelnemer', rollen);
    return false;
  }
  const def = definitionOf(e.type);
  const owners = def?.sets?.owners;
  const ok = owners ? rollen.some((r) => owners.includes(r)) : rollen.some((r) => mayPublish(e.type, r));
  if (!ok) conflict(s, e, 'geen-eigenaar', rollen);
  return ok;
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

/** OIN of a source: a hub sees few sources, and the pattern match per event showed up in catch-up. */
const sourceOins = new Map<string, string | undefined>();
function oinOf(source: string): string | undefined {
  if (sourceOins.has(source)) return sourceOins.get(source);
  const oin = parseSource(source)?.oin;
  if (sourceOins.size >= 10_000) sourceOins.clear();
  sourceOins.set(source, oin);
  return oin;
}

function applyInPlace(s: CaseState, e: KetenEvent, ctx: EvolveContext, volgorde = volgordeVan(e)): void {
  s.aantalEvents += 1;
  s.laatste = volgorde;
  const sourceOin = oinOf(e.source);
  const rollen = rolesOf(s, sourceOin, ctx);

  switch (e.type) {
    // ----------------------------------------------------------------------------- ketens
    case 'nl.ketens.ketenzaak-geopend': {
      const d = e.data;
      const eigenRol: PublisherRole[] = d.oin === sourceOin ? [d.rol] : rollen;
      if (!authorised(s, e, eigenRol)) break;
      if (s.opener && (s.opener.oin !== d.oin || s.opener.rol !== d.rol)) {
        conflict(s, e, 'al-geopend', eigenRol);
        break;
      }
      s.domein = d.domein;
      if (d.procedure && !s.omgevingswet.aanvraag) s.procedure = d.procedure;
      s.opener = { oin: d.oin, rol: d.rol, systeem: d.systeem, zaakreferentie: d.zaakreferentie };
      s.geopendOp ??= e.time;
      upsertDeelnemer(s, {
        oin: d.oin,
        rol: d.rol,
        systeem: d.systeem,
        zaakreferentie: d.zaakreferentie,
        toegang: 'volledig',
        toegangGezetDoor: 'eigenaar',
        sinds: e.time,
      });
      break;
    }
    case 'nl.ketens.deelnemer-aangesloten': {
      const d = e.data;
      const zelf = d.oin === sourceOin;
      const owners = definitionOf(e.type)?.sets?.owners ?? [];
      const doorEigenaar = rollen.some((r) => owners.includes(r));
      if (!doorEigenaar && !zelf) {
        conflict(s, e, rollen.length === 0 ? 'geen-deelnemer' : 'geen-eigenaar', rollen);
        break;
      }
      const bestaand = s.deelnemers.find((x) => x.oin === d.oin && x.rol === d.rol);
      // Joining on one's own gives limited access at most; the access level is the owners' fact.
      let toegang = doorEigenaar ? d.toegang : 'beperkt';
      let gezetDoor: 'eigenaar' | 'zelf' = doorEigenaar ? 'eigenaar' : 'zelf';
      if (!doorEigenaar && bestaand?.toegangGezetDoor === 'eigenaar') {
        if (bestaand.toegang !== d.toegang) conflict(s, e, 'toegang-door-eigenaar-gezet', rollen);
        toegang = bestaand.toegang;
        gezetDoor = 'eigenaar';
      }
      upsertDeelnemer(s, {
        oin: d.oin,
        ...(d.naam ? { naam: d.naam } : {}),
        rol: d.rol,
        systeem: d.systeem,
        zaakreferentie: d.zaakreferentie,
        toegang,
        toegangGezetDoor: gezetDoor,
        sinds: bestaand?.sinds ?? e.time,
      });
      break;
    }
    case 'nl.ketens.actieverzoek-verzonden': {
      if (!authorised(s, e, rollen)) break;
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
    case 'nl.ketens.actieverzoek-in-behandeling-genomen':
    case 'nl.ketens.actieverzoek-geweigerd':
    case 'nl.ketens.actieverzoek-gereedgemeld':
    case 'nl.ketens.actieverzoek-ingetrokken':
    case 'nl.ketens.actieverzoek-afgerond': {
      const d = e.data;
      const av = s.actieverzoeken[d.actieverzoekId];
      if (!av) {
        conflict(s, e, 'onbekend-actieverzoek', rollen);
        break;
      }
      // The receiver owns its answer, the requester owns withdrawal and acceptance: checked on the
      // organisation itself, not only its role, so one adviser cannot answer for another.
      const doorVerzoeker =
        e.type === 'nl.ketens.actieverzoek-ingetrokken' || e.type === 'nl.ketens.actieverzoek-afgerond';
      const moet = doorVerzoeker ? av.van : av.aan;
      if (sourceOin !== moet) {
        conflict(s, e, doorVerzoeker ? 'niet-de-verzoeker' : 'niet-de-ontvanger', rollen);
        break;
      }
      av.status = d.status;
      av.historie.push({
        status: d.status,
        tijd: e.time,
        door: sourceOin,
        ...(d.toelichting ? { toelichting: d.toelichting } : {}),
      });
      break;
    }
    case 'nl.ketens.document-toegevoegd': {
      if (!authorised(s, e, rollen)) break;
      const d = e.data;
      const bestaand = s.documenten[d.documentId];
      if (bestaand && bestaand.toegevoegdDoor !== sourceOin) {
        conflict(s, e, 'ander-document', rollen, 'document');
        break;
      }
      s.documenten[d.documentId] = { ...d, toegevoegdDoor: sourceOin ?? '', tijd: e.time };
      break;
    }
    case 'nl.ketens.termijn-verstreken': {
      if (!authorised(s, e, rollen)) break;
      const k = s.klokken[e.data.termijn];
      if (k && !k.verstrekenGemeld.includes(e.data.termijnEinde))
        k.verstrekenGemeld.push(e.data.termijnEinde);
      break;
    }
    case 'nl.ketens.ingebrekestelling-ontvangen': {
      if (!authorised(s, e, rollen)) break;
      s.ingebrekestellingen.push(e.data);
      startKlok(s, 'ingebrekestelling', e.data.ontvangstdatum, { voorTermijn: e.data.termijn });
      break;
    }

    // ----------------------------------------------------------------------------- WMO
    case 'nl.wmo.melding-ontvangen': {
      if (!authorised(s, e, rollen)) break;
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
      if (!authorised(s, e, rollen)) break;
      s.wmo.onderzoek = { ...s.wmo.onderzoek, startdatum: e.data.startdatum };
      break;
    }
    case 'nl.wmo.onderzoek-afgerond': {
      if (!authorised(s, e, rollen)) break;
      s.wmo.onderzoek = {
        ...s.wmo.onderzoek,
        einddatum: e.data.einddatum,
        verslagVerstrekt: e.data.verslagVerstrekt,
      };
      stopKlok(s, 'wmo-onderzoek', e.data.einddatum, 'onderzoek-afgerond');
      break;
    }
    case 'nl.wmo.aanvraag-ontvangen': {
      if (!authorised(s, e, rollen)) break;
      s.wmo.aanvraag = e.data;
      // An aanvraag after the 6 weeks (no onderzoek-afgerond) supersedes the onderzoek: from now
      // the municipality must decide on the aanvraag, so that clock stops here.
      stopKlok(s, 'wmo-onderzoek', e.data.aanvraagdatum, 'aanvraag-ontvangen');
      startKlok(s, 'wmo-beschikking', e.data.aanvraagdatum);
      break;
    }
    case 'nl.wmo.beschikkingstermijn-verlengd': {
      if (!authorised(s, e, rollen)) break;
      const k = s.klokken['wmo-beschikking'];
      if (!k || k.gestoptOp !== null) {
        conflict(s, e, 'geen-lopende-termijn', rollen);
        break;
      }
      if (k.verlenging) {
        conflict(s, e, 'al-verlengd', rollen);
        break;
      }
      k.verlenging = { totEnMet: e.data.nieuweEinddatum };
      s.wmo.beschikkingstermijnVerlengd = e.data;
      break;
    }
    case 'nl.wmo.beschikking-afgegeven': {
      if (!authorised(s, e, rollen)) break;
      s.wmo.beschikking = e.data;
      stopKlok(s, 'wmo-beschikking', e.data.besluitdatum, 'beschikking-afgegeven');
      stopKlok(s, 'ingebrekestelling', e.data.besluitdatum, 'beschikking-afgegeven');
      break;
    }
    case 'nl.wmo.toewijzing-verzonden': {
      if (!authorised(s, e, rollen)) break;
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
      if (!authorised(s, e, rollen)) break;
      const d = e.data;
      s.wmo.retourberichten.push(d);
      if (d.heenbericht === 'WMO301' && d.toewijzingNummer !== undefined) {
        const t = s.wmo.toewijzingen[String(d.toewijzingNummer)];
        if (t) t.retour = { geaccepteerd: d.geaccepteerd, retourcodes: d.retourcodes };
      }
      break;
    }
    case 'nl.wmo.zorg-gestart': {
      if (!authorised(s, e, rollen)) break;
      const d = e.data;
      const nr = String(d.toewijzingNummer);
      s.wmo.zorg[nr] = { ...s.wmo.zorg[nr], zorgaanbieder: d.zorgaanbieder, begindatum: d.begindatum };
      break;
    }
    case 'nl.wmo.zorg-gestopt': {
      if (!authorised(s, e, rollen)) break;
      const d = e.data;
      const nr = String(d.toewijzingNummer);
      s.wmo.zorg[nr] = {
        ...s.wmo.zorg[nr],
        zorgaanbieder: d.zorgaanbieder,
        einddatum: d.einddatum,
        redenBeeindiging: d.redenBeeindiging,
      };
      break;
    }
    case 'nl.wmo.toewijzing-aangevraagd':
    case 'nl.wmo.toewijzingswijziging-aangevraagd': {
      if (!authorised(s, e, rollen)) break;
      const { referentieAanbieder, zorgaanbieder, ...details } = e.data;
      s.wmo.verzoeken[referentieAanbieder] = {
        ...s.wmo.verzoeken[referentieAanbieder],
        soort: e.type === 'nl.wmo.toewijzing-aangevraagd' ? 'toewijzing' : 'wijziging',
        zorgaanbieder,
        details,
      };
      break;
    }
    case 'nl.wmo.verzoek-beantwoord': {
      if (!authorised(s, e, rollen)) break;
      const { referentieAanbieder, verzoekAntwoord, toelichting } = e.data;
      s.wmo.verzoeken[referentieAanbieder] = {
        ...s.wmo.verzoeken[referentieAanbieder],
        antwoord: { verzoekAntwoord, ...(toelichting ? { toelichting } : {}) },
      };
      break;
    }
    case 'nl.wmo.declaratie-ingediend': {
      if (!authorised(s, e, rollen)) break;
      const { declaratienummer, ...ingediend } = e.data;
      s.wmo.declaraties[declaratienummer] = { ...s.wmo.declaraties[declaratienummer], ingediend };
      break;
    }
    case 'nl.wmo.declaratie-beantwoord': {
      if (!authorised(s, e, rollen)) break;
      const { declaratienummer, ...antwoord } = e.data;
      s.wmo.declaraties[declaratienummer] = { ...s.wmo.declaraties[declaratienummer], antwoord };
      break;
    }
    // The CAK's start and stop of the eigen bijdrage fill one record per product category.
    case 'nl.wmo.eigen-bijdrage-gestart':
    case 'nl.wmo.eigen-bijdrage-gestopt': {
      if (!authorised(s, e, rollen)) break;
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
      if (!authorised(s, e, rollen)) break;
      s.omgevingswet.conceptverzoek = e.data;
      break;
    }
    case 'nl.omgevingswet.aanvraag-ontvangen': {
      if (!authorised(s, e, rollen)) break;
      s.omgevingswet.aanvraag = e.data;
      s.procedure = e.data.procedure;
      startKlok(s, beslistermijn(s), e.data.ontvangstdatum);
      break;
    }
    case 'nl.omgevingswet.ontvangst-bevestigd': {
      if (!authorised(s, e, rollen)) break;
      s.omgevingswet.ontvangstBevestigd = e.data.bevestigingsdatum;
      break;
    }
    case 'nl.omgevingswet.aanvulling-gevraagd': {
      if (!authorised(s, e, rollen)) break;
      const d = e.data;
      const k = s.klokken[beslistermijn(s)];
      if (!k || k.gestoptOp !== null) {
        conflict(s, e, 'geen-lopende-termijn', rollen);
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
      if (!authorised(s, e, rollen)) break;
      const open = s.omgevingswet.aanvullingen.find((a) => a.ontvangstdatum === undefined);
      const k = s.klokken[beslistermijn(s)];
      const opschorting = k?.opschortingen.find((o) => o.ontvangstdatum === undefined);
      if (!open || !opschorting) {
        conflict(s, e, 'geen-open-aanvulling', rollen);
        break;
      }
      open.ontvangstdatum = e.data.ontvangstdatum;
      opschorting.ontvangstdatum = e.data.ontvangstdatum;
      stopKlok(s, 'omgevingswet-aanvulling', e.data.ontvangstdatum, 'aanvulling-ontvangen');
      break;
    }
    case 'nl.omgevingswet.aanvraag-buiten-behandeling-gesteld': {
      if (!authorised(s, e, rollen)) break;
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
      if (!authorised(s, e, rollen)) break;
      const k = s.klokken[beslistermijn(s)];
      if (!k || k.gestoptOp !== null) {
        conflict(s, e, 'geen-lopende-termijn', rollen);
        break;
      }
      if (k.verlenging) {
        conflict(s, e, 'al-verlengd', rollen);
        break;
      }
      k.verlenging = { weken: e.data.verlengingInWeken };
      s.omgevingswet.verlenging = e.data;
      break;
    }
    case 'nl.omgevingswet.advies-gevraagd': {
      if (!authorised(s, e, rollen)) break;
      const { adviesverzoekId, ...gevraagd } = e.data;
      s.omgevingswet.adviezen[adviesverzoekId] = { ...s.omgevingswet.adviezen[adviesverzoekId], gevraagd };
      break;
    }
    case 'nl.omgevingswet.advies-gegeven': {
      if (!authorised(s, e, rollen)) break;
      const { adviesverzoekId, ...gegeven } = e.data;
      const bestaand = s.omgevingswet.adviezen[adviesverzoekId];
      if (bestaand?.gevraagd && bestaand.gevraagd.adviseur !== sourceOin) {
        conflict(s, e, 'niet-de-gevraagde-adviseur', rollen);
        break;
      }
      s.omgevingswet.adviezen[adviesverzoekId] = {
        ...bestaand,
        gegeven: { ...gegeven, door: sourceOin ?? '' },
      };
      break;
    }
    case 'nl.omgevingswet.instemming-gevraagd': {
      if (!authorised(s, e, rollen)) break;
      const { instemmingsverzoekId, ...gevraagd } = e.data;
      s.omgevingswet.instemmingen[instemmingsverzoekId] = {
        ...s.omgevingswet.instemmingen[instemmingsverzoekId],
        gevraagd,
      };
      break;
    }
    case 'nl.omgevingswet.instemming-verleend':
    case 'nl.omgevingswet.instemming-geweigerd': {
      if (!authorised(s, e, rollen)) break;
      const id = e.data.instemmingsverzoekId;
      const bestaand = s.omgevingswet.instemmingen[id];
      if (bestaand?.gevraagd && bestaand.gevraagd.adviseur !== sourceOin) {
        conflict(s, e, 'niet-de-gevraagde-adviseur', rollen);
        break;
      }
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
      if (!authorised(s, e, rollen)) break;
      s.omgevingswet.ontwerpbesluit = e.data;
      startKlok(s, 'omgevingswet-zienswijzen', e.data.terInzageVanaf);
      break;
    }
    case 'nl.omgevingswet.zienswijze-ontvangen': {
      if (!authorised(s, e, rollen)) break;
      const { zienswijzeId, ...rest } = e.data;
      s.omgevingswet.zienswijzen[zienswijzeId] = rest;
      break;
    }
    case 'nl.omgevingswet.besluit-genomen': {
      if (!authorised(s, e, rollen)) break;
      s.omgevingswet.besluit = { soort: 'besluit', ...e.data };
      stopKlok(s, beslistermijn(s), e.data.besluitdatum, 'besluit-genomen');
      stopKlok(s, 'ingebrekestelling', e.data.besluitdatum, 'besluit-genomen');
      // Advice with consent: a refusal blocks the permit. The decision is the authority's fact and
      // stays; the contradiction is flagged for every participant to see.
      const geweigerd = Object.values(s.omgevingswet.instemmingen).some(
        (i) => i.besluit?.uitkomst === 'geweigerd',
      );
      if (geweigerd && e.data.uitkomst !== 'geweigerd')
        conflict(s, e, 'verleend-ondanks-geweigerde-instemming', rollen);
      break;
    }
    case 'nl.omgevingswet.besluit-bekendgemaakt': {
      if (!authorised(s, e, rollen)) break;
      s.omgevingswet.bekendmaking = e.data;
      startKlok(
        s,
        e.data.rechtsmiddel === 'beroep' ? 'omgevingswet-beroep' : 'omgevingswet-bezwaar',
        e.data.bekendmakingsdatum,
      );
      break;
    }
    case 'nl.omgevingswet.bezwaar-ingesteld': {
      if (!authorised(s, e, rollen)) break;
      s.omgevingswet.bezwaren[e.data.bezwaarId] = { ontvangstdatum: e.data.ontvangstdatum };
      break;
    }
    case 'nl.omgevingswet.beroep-ingesteld': {
      if (!authorised(s, e, rollen)) break;
      s.omgevingswet.beroepen[e.data.beroepId] = { ingesteldOp: e.data.ingesteldOp, grond: e.data.grond };
      break;
    }
    case 'nl.omgevingswet.aanvraag-ingetrokken': {
      if (!authorised(s, e, rollen)) break;
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
  s.fase = faseVan(s);
  if (s.domein === 'wmo') s.geslotenOp = wmoGeslotenOp(s, e);
}

function upsertDeelnemer(s: CaseState, d: CaseState['deelnemers'][number]) {
  const i = s.deelnemers.findIndex((x) => x.oin === d.oin && x.rol === d.rol);
  if (i >= 0) s.deelnemers[i] = d;
  else s.deelnemers.push(d);
  // Stable order, so the JSON (and its checksum) does not depend on arrival order.
  s.deelnemers.sort((a, b) => (a.oin === b.oin ? (a.rol < b.rol ? -1 : 1) : a.oin < b.oin ? -1 : 1));
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
