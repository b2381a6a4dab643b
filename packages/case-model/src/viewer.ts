import {
  type CaseAccess,
  type EventZicht,
  mag,
  oinOfSource,
  resolveAccess as resolveCaseAccess,
  sectiesPerRol,
  type Viewer,
  zichtOpEvent,
} from '@ketenhub/access';
import { type ParticipantRole, participantRoles, type Sectie } from '@ketenhub/events';
import type { CaseState } from './state';
import type { CaseView } from './view';

/**
 * The projection's side of the hub's one access rule (@ketenhub/access, docs/access.md): it makes
 * no decision of its own, it applies the rule's answers to the joined case's shape. Every read
 * route (the API, the streams, the list, the page) goes through here.
 *
 * A case the viewer does not take part in does not exist for it: 404, never 403.
 */

export type { CaseAccess, Viewer };

/** Rule 1: the viewer's access to a case, or null (answer 404). */
export function resolveAccess(viewer: Viewer, state: Pick<CaseState, 'access'> | null): CaseAccess | null {
  return resolveCaseAccess(viewer, state?.access);
}

/**
 * Rule 1 for lists and the feed: `<oin>:<rol>` keys a case (`deelnemer_rollen`) or an event (the
 * feed's `ontvangers`) must have one of; only participant roles, as nothing else takes part.
 */
export function listKeys(viewer: Viewer): string[] {
  return viewer.roles.filter(isParticipantRole).map((r) => `${viewer.oin}:${r}`);
}

/**
 * Item 6 for lists: per group of clocks, the `<oin>:<rol>` keys under which the viewer sees that
 * group's deadlines. A case contributes a group's next deadline only when the viewer takes part in
 * it in one of those roles, so a care provider's list never shows the onderzoek's deadline.
 */
export function deadlineKeys(viewer: Viewer): Record<'wmo' | 'ow' | 'ingebrekestelling', string[]> {
  const keys = (groep: Sectie) =>
    viewer.roles
      .filter((r): r is ParticipantRole => isParticipantRole(r) && sectiesPerRol[r].includes(groep))
      .map((r) => `${viewer.oin}:${r}`);
  return { wmo: keys('klokken-wmo'), ow: keys('klokken-ow'), ingebrekestelling: keys('ingebrekestellingen') };
}

const isParticipantRole = (r: string): r is ParticipantRole =>
  (participantRoles as readonly string[]).includes(r);

const pick = <T extends object, K extends keyof T>(obj: T, keep: boolean, key: K): Partial<Pick<T, K>> =>
  keep && obj[key] !== undefined ? ({ [key]: obj[key] } as Partial<Pick<T, K>>) : {};

/** Entries of a record whose facts late joiners may not see: only those from after the viewer joined. */
const sinds = <V extends { positie?: number }>(access: CaseAccess, entries: Record<string, V>) =>
  Object.fromEntries(
    Object.entries(entries)
      .filter(([, v]) => mag.nalezen(access, v.positie, false))
      .map(([k, { positie: _p, ...v }]) => [k, v]),
  );

/** The joined case as this viewer may see it. */
export function filterCase(view: CaseView, access: CaseAccess) {
  const has = (s: Parameters<typeof mag.sectie>[1]) => mag.sectie(access, s);
  const w = view.wmo;
  const o = view.omgevingswet;
  const a = view.access;
  const zorg = sinds(access, w.zorg);

  return {
    id: view.id,
    domein: view.domein,
    procedure: view.procedure,
    fase: view.fase,
    geopendOp: view.geopendOp,
    geslotenOp: view.geslotenOp,
    overdue: view.klokken.some((k) => k.verlopen && mag.klok(access, k.soort)),
    peildatum: view.peildatum,
    jouwRollen: access.rollen,
    jouwToegang: access.toegang,
    eigenaar: access.eigenaar,
    opener: a.opener,
    deelnemers: a.deelnames
      .filter((d) => d.status === 'actief')
      .map((d) => ({
        oin: d.oin,
        ...(d.naam ? { naam: d.naam } : {}),
        rol: d.rol,
        toegang: d.toegang,
        ...(d.systeem ? { systeem: d.systeem } : {}),
        ...(d.zaakreferentie ? { zaakreferentie: d.zaakreferentie } : {}),
        sinds: d.sindsTijd,
        via: d.via,
      })),
    uitnodigingen: Object.values(a.uitnodigingen).filter((u) => mag.uitnodiging(access, u.oin)),
    client: {
      ...(has('bsn') && view.client.bsn ? { bsn: view.client.bsn } : {}),
      ...(has('gemeentecode') && view.client.gemeentecode ? { gemeentecode: view.client.gemeentecode } : {}),
    },
    klokken: view.klokken.filter((k) => mag.klok(access, k.soort)),
    actieverzoeken: Object.values(view.actieverzoeken).filter((av) => mag.actieverzoek(access, av)),
    documenten: Object.values(view.documenten).filter((d) => mag.document(access, d)),
    ...(has('ingebrekestellingen') ? { ingebrekestellingen: view.ingebrekestellingen } : {}),
    wmo: {
      ...pick(w, has('melding'), 'melding'),
      ...pick(w, has('onderzoek'), 'onderzoek'),
      ...pick(w, has('wmo-aanvraag'), 'aanvraag'),
      ...pick(w, has('klokken-wmo'), 'beschikkingstermijnVerlengd'),
      ...pick(w, has('beschikking'), 'beschikking'),
      ...pick(w, has('toewijzingen'), 'toewijzingen'),
      ...(has('zorg')
        ? { zorg }
        : has('zorg-datums')
          ? {
              zorg: Object.fromEntries(
                Object.entries(zorg).map(([nr, z]) => [
                  nr,
                  {
                    ...(z.begindatum ? { begindatum: z.begindatum } : {}),
                    ...(z.einddatum ? { einddatum: z.einddatum } : {}),
                  },
                ]),
              ),
            }
          : {}),
      ...(has('verzoeken') ? { verzoeken: sinds(access, w.verzoeken) } : {}),
      ...(has('retourberichten')
        ? {
            retourberichten: w.retourberichten
              .filter((r) => mag.nalezen(access, r.positie, false))
              .map(({ positie: _p, ...r }) => r),
          }
        : {}),
      ...(has('declaraties') ? { declaraties: sinds(access, w.declaraties) } : {}),
      ...pick(w, has('eigen-bijdrage'), 'eigenBijdrage'),
    },
    omgevingswet: {
      ...pick(o, has('ow-aanvraag') || has('ow-procedure'), 'conceptverzoek'),
      ...pick(o, has('ow-aanvraag'), 'aanvraag'),
      ...pick(o, has('ow-procedure'), 'ontvangstBevestigd'),
      ...(has('ow-procedure') ? { aanvullingen: o.aanvullingen } : {}),
      ...pick(o, has('ow-procedure'), 'verlenging'),
      adviezen: Object.fromEntries(
        Object.entries(o.adviezen).filter(([, x]) =>
          mag.advies(access, x.gevraagd?.adviseur ?? x.gegeven?.door),
        ),
      ),
      instemmingen: Object.fromEntries(
        Object.entries(o.instemmingen).filter(([, x]) =>
          mag.advies(access, x.gevraagd?.adviseur ?? x.besluit?.door),
        ),
      ),
      ...pick(o, has('ow-besluit'), 'ontwerpbesluit'),
      ...(has('zienswijzen') ? { zienswijzen: o.zienswijzen } : {}),
      ...pick(o, has('ow-besluit'), 'besluit'),
      ...pick(o, has('ow-besluit'), 'bekendmaking'),
      ...(has('ow-besluit') ? { bezwaren: o.bezwaren, beroepen: o.beroepen } : {}),
      ...pick(o, has('ow-besluit'), 'ingetrokken'),
    },
    ...(has('conflicten') ? { conflicten: view.conflicten.filter((c) => mag.conflict(access, c.type)) } : {}),
  };
}

export type FilteredCase = ReturnType<typeof filterCase>;

export interface TimelineEntry {
  source: string;
  id: string;
  type: string;
  time: string;
  data: Record<string, unknown>;
  /** Position in the case's log (1-based). */
  positie: number;
}

/** One timeline entry as this viewer may see it, or null. */
export function filterTimelineEntry(entry: TimelineEntry, access: CaseAccess, state: CaseState) {
  const conflict = state.conflicten.find((c) => c.source === entry.source && c.eventId === entry.id);
  const zicht: EventZicht | null = zichtOpEvent(state.access, entry, access, {
    verdict: { ok: !conflict?.toegang },
    uitgang: 'lezen',
    positie: entry.positie,
  });
  if (!zicht) return null;
  return {
    positie: entry.positie,
    id: entry.id,
    source: entry.source,
    organisatie: oinOfSource(entry.source) ?? null,
    type: entry.type,
    time: entry.time,
    data: zicht.data,
    ...(zicht.zicht === 'beperkt' ? { redactie: zicht.redactie } : {}),
    ...(conflict
      ? { conflict: { reden: conflict.reden, ...(conflict.feit ? { feit: conflict.feit } : {}) } }
      : {}),
  };
}
