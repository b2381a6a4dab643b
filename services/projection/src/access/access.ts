import { type ParticipantRole, parseSource } from '@ketenhub/events';
import type { CaseState, Toegang } from '../cases/state';
import type { CaseView } from '../cases/view';

/**
 * THE access rules of the projection, in one place (issue 5 item 4, DOMAIN.md sections 4-5):
 *
 * 1. An organisation sees a chain case only when it takes part in it, in a role the case worker
 *    holds (participation role ∩ token roles). Otherwise the case does not exist for them: 404,
 *    never 403, so nobody learns that a case exists.
 * 2. Within a case, each role sees the sections it needs ({@link sectiesPerRol}); with several
 *    roles the union applies. The care provider sees the toewijzing, not the onderzoek; the CAK
 *    only what the eigen bijdrage needs; the BSN only roles that need it.
 * 3. Documents: partners with limited access (`beperkt`, DSO "BT") do not see `strikt` documents.
 * 4. Actieverzoeken: limited-access partners see only the requests they sent or received.
 * The timeline (`/cases/{id}/events`) follows the same rules per event, with the BSN removed from
 * event data for roles without the need.
 */

export interface Viewer {
  oin: string;
  roles: readonly string[];
}

export type Sectie =
  | 'bsn'
  | 'gemeentecode'
  | 'melding'
  | 'onderzoek'
  | 'wmo-aanvraag'
  | 'beschikking'
  | 'toewijzingen'
  | 'zorg'
  | 'zorg-datums'
  | 'verzoeken'
  | 'retourberichten'
  | 'declaraties'
  | 'eigen-bijdrage'
  | 'klokken-wmo'
  | 'klokken-ow'
  | 'ingebrekestellingen'
  | 'ow-aanvraag'
  | 'ow-procedure'
  | 'ow-advies-alle'
  | 'ow-advies-eigen'
  | 'ow-besluit'
  | 'zienswijzen'
  | 'conflicten';

const wmoVolledig: Sectie[] = [
  'bsn',
  'gemeentecode',
  'melding',
  'onderzoek',
  'wmo-aanvraag',
  'beschikking',
  'toewijzingen',
  'zorg',
  'verzoeken',
  'retourberichten',
  'declaraties',
  'eigen-bijdrage',
  'klokken-wmo',
  'ingebrekestellingen',
  'conflicten',
];
const owVolledig: Sectie[] = [
  'ow-aanvraag',
  'ow-procedure',
  'ow-advies-alle',
  'ow-besluit',
  'zienswijzen',
  'klokken-ow',
  'ingebrekestellingen',
  'conflicten',
];

/** What each participant role may see. The table is the rule; tests go through it per role. */
export const sectiesPerRol: Readonly<Record<ParticipantRole, readonly Sectie[]>> = {
  // Decides on WMO support and owns the onderzoek: everything of the WMO chain.
  gemeente: [...wmoVolledig, ...owVolledig],
  // Needs whom to care for (BSN) and what was assigned; never the onderzoek or the melding.
  zorgaanbieder: [
    'bsn',
    'gemeentecode',
    'beschikking',
    'toewijzingen',
    'zorg',
    'verzoeken',
    'retourberichten',
    'declaraties',
    'conflicten',
  ],
  // Collects the eigen bijdrage: the person, the trigger (beschikking, start/stop of care) and the
  // eigen bijdrage itself; no toewijzing details, no declaraties, no health-related facts.
  cak: ['bsn', 'gemeentecode', 'beschikking', 'zorg-datums', 'eigen-bijdrage'],
  'bevoegd-gezag': owVolledig,
  omgevingsdienst: owVolledig,
  // An adviser sees the request, its own advice and consent requests and the decision.
  adviseur: ['ow-aanvraag', 'ow-advies-eigen', 'ow-besluit', 'klokken-ow'],
};

export interface CaseAccess {
  oin: string;
  /** The roles the viewer acts in for this case. */
  rollen: ParticipantRole[];
  toegang: Toegang;
  secties: ReadonlySet<Sectie>;
}

/** Rule 1: the viewer's access to a case, or null (answer 404). */
export function resolveAccess(
  viewer: Viewer,
  state: Pick<CaseState, 'deelnemers'> | null,
): CaseAccess | null {
  if (!state) return null;
  const deelnames = state.deelnemers.filter((d) => d.oin === viewer.oin && viewer.roles.includes(d.rol));
  if (deelnames.length === 0) return null;
  const rollen = [...new Set(deelnames.map((d) => d.rol))].sort();
  const secties = new Set<Sectie>(rollen.flatMap((r) => sectiesPerRol[r]));
  const toegang: Toegang = deelnames.some((d) => d.toegang === 'volledig') ? 'volledig' : 'beperkt';
  return { oin: viewer.oin, rollen, toegang, secties };
}

/** Rule 1 for lists: `<oin>:<rol>` keys a case must have one of (matched against `deelnemer_rollen`). */
export function listKeys(viewer: Viewer): string[] {
  return viewer.roles.map((r) => `${viewer.oin}:${r}`);
}

const pick = <T extends object, K extends keyof T>(obj: T, keep: boolean, key: K): Partial<Pick<T, K>> =>
  keep && obj[key] !== undefined ? ({ [key]: obj[key] } as Partial<Pick<T, K>>) : {};

/** Rules 2-4 on the joined case. */
export function filterCase(view: CaseView, access: CaseAccess) {
  const has = (s: Sectie) => access.secties.has(s);
  const w = view.wmo;
  const o = view.omgevingswet;
  const eigenAdvies = (adviseur: string | undefined, door: string | undefined) =>
    has('ow-advies-alle') || (has('ow-advies-eigen') && (adviseur === access.oin || door === access.oin));

  return {
    id: view.id,
    domein: view.domein,
    procedure: view.procedure,
    fase: view.fase,
    geopendOp: view.geopendOp,
    geslotenOp: view.geslotenOp,
    overdue: view.klokken.some((k) => k.verlopen && klokZichtbaar(k.soort, access)),
    peildatum: view.peildatum,
    jouwRollen: access.rollen,
    jouwToegang: access.toegang,
    opener: view.opener,
    deelnemers: view.deelnemers.map(({ toegangGezetDoor: _t, ...d }) => d),
    client: {
      ...(has('bsn') && view.client.bsn ? { bsn: view.client.bsn } : {}),
      ...(has('gemeentecode') && view.client.gemeentecode ? { gemeentecode: view.client.gemeentecode } : {}),
    },
    klokken: view.klokken.filter((k) => klokZichtbaar(k.soort, access)),
    actieverzoeken: Object.values(view.actieverzoeken).filter(
      (a) => access.toegang === 'volledig' || a.van === access.oin || a.aan === access.oin,
    ),
    documenten: Object.values(view.documenten).filter(
      (d) => access.toegang === 'volledig' || d.vertrouwelijkheid !== 'strikt',
    ),
    ...(has('ingebrekestellingen') ? { ingebrekestellingen: view.ingebrekestellingen } : {}),
    wmo: {
      ...pick(w, has('melding'), 'melding'),
      ...pick(w, has('onderzoek'), 'onderzoek'),
      ...pick(w, has('wmo-aanvraag'), 'aanvraag'),
      ...pick(w, has('klokken-wmo'), 'beschikkingstermijnVerlengd'),
      ...pick(w, has('beschikking'), 'beschikking'),
      ...pick(w, has('toewijzingen'), 'toewijzingen'),
      ...(has('zorg')
        ? { zorg: w.zorg }
        : has('zorg-datums')
          ? {
              zorg: Object.fromEntries(
                Object.entries(w.zorg).map(([nr, z]) => [
                  nr,
                  {
                    ...(z.begindatum ? { begindatum: z.begindatum } : {}),
                    ...(z.einddatum ? { einddatum: z.einddatum } : {}),
                  },
                ]),
              ),
            }
          : {}),
      ...pick(w, has('verzoeken'), 'verzoeken'),
      ...pick(w, has('retourberichten'), 'retourberichten'),
      ...pick(w, has('declaraties'), 'declaraties'),
      ...pick(w, has('eigen-bijdrage'), 'eigenBijdrage'),
    },
    omgevingswet: {
      ...pick(o, has('ow-aanvraag') || has('ow-procedure'), 'conceptverzoek'),
      ...pick(o, has('ow-aanvraag'), 'aanvraag'),
      ...pick(o, has('ow-procedure'), 'ontvangstBevestigd'),
      ...(has('ow-procedure') ? { aanvullingen: o.aanvullingen } : {}),
      ...pick(o, has('ow-procedure'), 'verlenging'),
      adviezen: Object.fromEntries(
        Object.entries(o.adviezen).filter(([, a]) => eigenAdvies(a.gevraagd?.adviseur, a.gegeven?.door)),
      ),
      instemmingen: Object.fromEntries(
        Object.entries(o.instemmingen).filter(([, i]) => eigenAdvies(i.gevraagd?.adviseur, i.besluit?.door)),
      ),
      ...pick(o, has('ow-besluit'), 'ontwerpbesluit'),
      ...(has('zienswijzen') ? { zienswijzen: o.zienswijzen } : {}),
      ...pick(o, has('ow-besluit'), 'besluit'),
      ...pick(o, has('ow-besluit'), 'bekendmaking'),
      ...(has('ow-besluit') ? { bezwaren: o.bezwaren, beroepen: o.beroepen } : {}),
      ...pick(o, has('ow-besluit'), 'ingetrokken'),
    },
    ...(has('conflicten') ? { conflicten: view.conflicten } : {}),
  };
}

export type FilteredCase = ReturnType<typeof filterCase>;

function klokZichtbaar(soort: string, access: CaseAccess): boolean {
  if (soort === 'ingebrekestelling') return access.secties.has('ingebrekestellingen');
  if (soort.startsWith('wmo-')) return access.secties.has('klokken-wmo');
  return access.secties.has('klokken-ow');
}

/** The section an event belongs to; `basis` is visible to every participant. */
function sectieVanEvent(
  type: string,
  data: Record<string, unknown>,
): Sectie | 'basis' | 'actieverzoek' | 'document' | 'advies' {
  switch (type) {
    case 'nl.ketens.ketenzaak-geopend':
    case 'nl.ketens.deelnemer-aangesloten':
      return 'basis';
    case 'nl.ketens.document-toegevoegd':
      return 'document';
    case 'nl.ketens.termijn-verstreken':
      return String(data.termijn).startsWith('wmo-')
        ? 'klokken-wmo'
        : data.termijn === 'ingebrekestelling'
          ? 'ingebrekestellingen'
          : 'klokken-ow';
    case 'nl.ketens.ingebrekestelling-ontvangen':
      return 'ingebrekestellingen';
    case 'nl.wmo.melding-ontvangen':
      return 'melding';
    case 'nl.wmo.onderzoek-gestart':
    case 'nl.wmo.onderzoek-afgerond':
      return 'onderzoek';
    case 'nl.wmo.aanvraag-ontvangen':
      return 'wmo-aanvraag';
    case 'nl.wmo.beschikkingstermijn-verlengd':
      return 'klokken-wmo';
    case 'nl.wmo.beschikking-afgegeven':
      return 'beschikking';
    case 'nl.wmo.toewijzing-verzonden':
      return 'toewijzingen';
    case 'nl.wmo.retourbericht-verzonden':
      return 'retourberichten';
    case 'nl.wmo.zorg-gestart':
    case 'nl.wmo.zorg-gestopt':
      return 'zorg';
    case 'nl.wmo.toewijzing-aangevraagd':
    case 'nl.wmo.toewijzingswijziging-aangevraagd':
    case 'nl.wmo.verzoek-beantwoord':
      return 'verzoeken';
    case 'nl.wmo.declaratie-ingediend':
    case 'nl.wmo.declaratie-beantwoord':
      return 'declaraties';
    case 'nl.wmo.eigen-bijdrage-gestart':
    case 'nl.wmo.eigen-bijdrage-gestopt':
      return 'eigen-bijdrage';
    case 'nl.omgevingswet.conceptverzoek-ontvangen':
    case 'nl.omgevingswet.aanvraag-ontvangen':
      return 'ow-aanvraag';
    case 'nl.omgevingswet.ontvangst-bevestigd':
    case 'nl.omgevingswet.aanvulling-gevraagd':
    case 'nl.omgevingswet.aanvulling-ontvangen':
    case 'nl.omgevingswet.beslistermijn-verlengd':
      return 'ow-procedure';
    case 'nl.omgevingswet.advies-gevraagd':
    case 'nl.omgevingswet.advies-gegeven':
    case 'nl.omgevingswet.instemming-gevraagd':
    case 'nl.omgevingswet.instemming-verleend':
    case 'nl.omgevingswet.instemming-geweigerd':
      return 'advies';
    case 'nl.omgevingswet.zienswijze-ontvangen':
      return 'zienswijzen';
    default:
      if (type.startsWith('nl.ketens.actieverzoek-')) return 'actieverzoek';
      // besluit, bekendmaking, bezwaar, beroep, ontwerpbesluit, buiten behandeling, intrekking
      return 'ow-besluit';
  }
}

export interface TimelineEntry {
  source: string;
  id: string;
  type: string;
  time: string;
  data: Record<string, unknown>;
}

/** Rules 2-4 for one timeline entry: the entry as this viewer may see it, or null. */
export function filterTimelineEntry(entry: TimelineEntry, access: CaseAccess, state: CaseState) {
  const sectie = sectieVanEvent(entry.type, entry.data);
  let zichtbaar: boolean;
  let data = entry.data;
  switch (sectie) {
    case 'basis':
      zichtbaar = true;
      break;
    case 'document':
      zichtbaar = access.toegang === 'volledig' || entry.data.vertrouwelijkheid !== 'strikt';
      break;
    case 'actieverzoek': {
      const av = state.actieverzoeken[String(entry.data.actieverzoekId)];
      const van = av?.van ?? entry.data.van;
      const aan = av?.aan ?? entry.data.aan;
      zichtbaar = access.toegang === 'volledig' || van === access.oin || aan === access.oin;
      break;
    }
    case 'advies': {
      const id = String(entry.data.adviesverzoekId ?? entry.data.instemmingsverzoekId);
      const gevraagd =
        state.omgevingswet.adviezen[id]?.gevraagd ?? state.omgevingswet.instemmingen[id]?.gevraagd;
      const adviseur = (entry.data.adviseur as string | undefined) ?? gevraagd?.adviseur;
      zichtbaar =
        access.secties.has('ow-advies-alle') ||
        (access.secties.has('ow-advies-eigen') &&
          (adviseur === access.oin || parseSource(entry.source)?.oin === access.oin));
      break;
    }
    case 'zorg':
      zichtbaar = access.secties.has('zorg') || access.secties.has('zorg-datums');
      if (!access.secties.has('zorg') && zichtbaar) {
        data = Object.fromEntries(
          Object.entries(entry.data).filter(([k]) => k === 'begindatum' || k === 'einddatum'),
        );
      }
      break;
    default:
      zichtbaar = access.secties.has(sectie);
  }
  if (!zichtbaar) return null;
  if (!access.secties.has('bsn')) data = withoutBsn(data);
  const conflict = state.conflicten.find((c) => c.source === entry.source && c.eventId === entry.id);
  return {
    id: entry.id,
    source: entry.source,
    organisatie: parseSource(entry.source)?.oin ?? null,
    type: entry.type,
    time: entry.time,
    data,
    ...(conflict
      ? { conflict: { reden: conflict.reden, ...(conflict.feit ? { feit: conflict.feit } : {}) } }
      : {}),
  };
}

/** Removes every `bsn` field, at any depth. */
export function withoutBsn<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutBsn) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([k]) => k !== 'bsn')
        .map(([k, v]) => [k, withoutBsn(v)]),
    ) as T;
  }
  return value;
}

/** Whether this access includes the BSN (the processing log pseudonymises the subject regardless). */
export function seesBsn(access: CaseAccess): boolean {
  return access.secties.has('bsn');
}
