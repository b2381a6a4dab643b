import {
  deelnameEigenarenPerDomein,
  definitionOf,
  type EventType,
  type KetenEvent,
  mayPublish,
  type ParticipantRole,
  type PublisherRole,
  parseSource,
} from '@ketenhub/events';
import { type AccessState, type Deelname, deelnamesVan, gezienSleutel, type Toegang } from './state';

/**
 * THE publish rule of a chain case, and the fold of who takes part (docs/access.md).
 *
 * Participation is granted by the case's owners, never claimed: the opener takes part from the
 * opening; every other organisation only through an owner's act (added directly, or invited and
 * accepting). Owners of participation are the opener and full-access participants in the roles
 * the catalog names per domain (`deelnameEigenarenPerDomein`). Only owners change access levels or
 * remove a participant, and no organisation changes its own participation except by answering its
 * own invitation. Every other event needs a publisher that takes part in a role that owns its fact
 * (catalog `sets.owners`) or may publish it; answers to actieverzoeken and advice requests come
 * from the very organisation that was asked.
 *
 * The rule is decided in LOG ORDER (the order of the case's partition), not by the events' `time`:
 * `time` is what the producer claims, so ordering by it would let a removed participant backdate
 * an event to before its removal. Every service folds the same log in the same order with these
 * functions, so the gateway (before it publishes), the projection and the dispatcher decide alike.
 */

export interface AccessContext {
  /** OIN of this hub: its events (termijn-verstreken) act with the role `ketenhub`. */
  hubOin: string;
}

/** Names of the rules an event can break; also the conflict reasons of the projection. */
export type AccessRegel =
  | 'geen-deelnemer'
  | 'geen-eigenaar'
  | 'al-geopend'
  | 'eigen-organisatie'
  | 'geen-deelname-eigenaar'
  | 'zelf-aansluiten'
  | 'eigen-deelname'
  | 'opener-blijft'
  | 'onbekende-deelnemer'
  | 'al-deelnemer'
  | 'uitnodiging-bestaat'
  | 'onbekende-uitnodiging'
  | 'uitnodiging-niet-open'
  | 'niet-de-genodigde'
  | 'ontvanger-geen-deelnemer'
  | 'actieverzoek-bestaat'
  | 'onbekend-actieverzoek'
  | 'niet-de-ontvanger'
  | 'niet-de-verzoeker'
  | 'adviseur-geen-deelnemer'
  | 'adviesverzoek-bestaat'
  | 'onbekend-adviesverzoek'
  | 'niet-de-gevraagde-adviseur';

/** The decision on one event: may its publisher do this, at this point of the case's log? */
export type Verdict =
  | { ok: true; rollen: PublisherRole[] }
  | {
      ok: false;
      regel: AccessRegel;
      /** The field the rule is about (`subject`, `source`, `data.oin`, ...), for a problem+json. */
      veld: string;
      /** English explanation for integrators. */
      melding: string;
      /** Roles the publisher has in the case (empty: not a participant). */
      rollen: PublisherRole[];
    };

/** The types whose events change {@link AccessState}; every other type only needs a verdict. */
export const accessTypes = [
  'nl.ketens.ketenzaak-geopend',
  'nl.ketens.deelnemer-aangesloten',
  'nl.ketens.deelnemer-uitgenodigd',
  'nl.ketens.uitnodiging-aanvaard',
  'nl.ketens.uitnodiging-afgewezen',
  'nl.ketens.uitnodiging-ingetrokken',
  'nl.ketens.toegang-gewijzigd',
  'nl.ketens.deelnemer-verwijderd',
  'nl.ketens.actieverzoek-verzonden',
  'nl.omgevingswet.advies-gevraagd',
  'nl.omgevingswet.instemming-gevraagd',
] as const satisfies readonly EventType[];

export type AccessType = (typeof accessTypes)[number];
const accessTypeSet: ReadonlySet<string> = new Set(accessTypes);

export function isAccessType(type: string): type is AccessType {
  return accessTypeSet.has(type);
}

/**
 * The event as the rule reads it: the envelope attributes it uses and the data. Callers pass
 * contract events (validated at the edge); a type outside the catalog gets a refusal or nothing.
 */
export interface AccessEvent {
  type: string;
  source: string;
  id: string;
  time: string;
  data: unknown;
}

/** OIN of a source, remembered: a hub sees few sources, and the rule runs for every event. */
const sourceOins = new Map<string, string | undefined>();
export function oinOfSource(source: string): string | undefined {
  if (sourceOins.has(source)) return sourceOins.get(source);
  const oin = parseSource(source)?.oin;
  if (sourceOins.size >= 10_000) sourceOins.clear();
  sourceOins.set(source, oin);
  return oin;
}

/** Roles an organisation acts in on this case now: its active participations (the hub: `ketenhub`). */
export function rollenVan(state: AccessState, oin: string | undefined, ctx: AccessContext): PublisherRole[] {
  if (oin === undefined) return [];
  if (oin === ctx.hubOin) return ['ketenhub'];
  const out: PublisherRole[] = [];
  for (const d of state.deelnames)
    if (d.oin === oin && d.status === 'actief' && !out.includes(d.rol)) out.push(d.rol);
  return out;
}

/** True when `oin` may grant, change and end participation in this case. */
export function isEigenaar(state: AccessState, oin: string): boolean {
  if (state.opener?.oin === oin) return true;
  if (state.domein === null) return false;
  const rollen: readonly ParticipantRole[] = deelnameEigenarenPerDomein[state.domein];
  return deelnamesVan(state, oin).some((d) => d.toegang === 'volledig' && rollen.includes(d.rol));
}

type Refusal = Extract<Verdict, { ok: false }>;
const refuse = (regel: AccessRegel, veld: string, melding: string, rollen: PublisherRole[]): Refusal => ({
  ok: false,
  regel,
  veld,
  melding,
  rollen,
});

const active = (state: AccessState, oin: string, rol: string) =>
  state.deelnames.find((d) => d.oin === oin && d.rol === rol && d.status === 'actief');

const geenDeelnemer = (rollen: PublisherRole[]) =>
  refuse(
    'geen-deelnemer',
    'subject',
    'this organisation does not take part in the chain case; an owner of the case must add or invite it first',
    rollen,
  );

/** The generic rule: a participant in a role that owns the event's fact, or may publish the type. */
function generic(event: AccessEvent, rollen: PublisherRole[]): Verdict {
  if (rollen.length === 0) return geenDeelnemer(rollen);
  const owners = definitionOf(event.type)?.sets?.owners;
  const ok = owners
    ? rollen.some((r) => owners.includes(r))
    : rollen.some((r) => mayPublish(event.type as EventType, r));
  if (ok) return { ok: true, rollen };
  return refuse(
    'geen-eigenaar',
    'type',
    `in this chain case the organisation acts as ${rollen.join(', ')}, and ${owners ? `only ${owners.join(', ')} own` : 'no such role may publish'} this fact`,
    rollen,
  );
}

function eigenaarNodig(state: AccessState, oin: string, rollen: PublisherRole[]): Refusal | undefined {
  if (rollen.length === 0) return geenDeelnemer(rollen);
  if (!isEigenaar(state, oin)) {
    return refuse(
      'geen-deelname-eigenaar',
      'type',
      `only the opener or a full-access ${state.domein ? deelnameEigenarenPerDomein[state.domein].join(' or ') : 'owner'} of this chain case may grant, change or end participation`,
      rollen,
    );
  }
  return undefined;
}

/**
 * The verdict on `event` given the case's access state just before it (in log order). Pure; reads
 * nothing but its arguments.
 */
export function judge(state: AccessState, event: AccessEvent, ctx: AccessContext): Verdict {
  const oin = oinOfSource(event.source);
  const rollen = rollenVan(state, oin, ctx);
  if (oin === undefined) return generic(event, []);
  const e = event as KetenEvent;
  switch (e.type) {
    case 'nl.ketens.ketenzaak-geopend': {
      const d = e.data;
      if (d.oin !== oin) {
        return refuse(
          'eigen-organisatie',
          'data.oin',
          `a system opens chain cases for its own organisation only (${oin})`,
          rollen,
        );
      }
      if (!mayPublish(e.type, d.rol)) {
        return refuse(
          'geen-eigenaar',
          'data.rol',
          `a chain case is opened by a ${definitionOf(e.type)?.publishers.join(', ')}`,
          rollen,
        );
      }
      if (state.opener && (state.opener.oin !== d.oin || state.opener.rol !== d.rol)) {
        return refuse(
          'al-geopend',
          'subject',
          'this chain case was already opened by another organisation; a new chain case needs a new id',
          rollen,
        );
      }
      return { ok: true, rollen: [d.rol] };
    }
    case 'nl.ketens.deelnemer-aangesloten': {
      const nodig = eigenaarNodig(state, oin, rollen);
      if (nodig) return nodig;
      if (e.data.oin === oin) {
        return refuse(
          'zelf-aansluiten',
          'data.oin',
          'an organisation cannot add itself to a chain case; another owner adds or invites it',
          rollen,
        );
      }
      if (state.opener?.oin === e.data.oin) {
        return refuse(
          'opener-blijft',
          'data.oin',
          'the participation of the organisation that opened the case cannot be changed',
          rollen,
        );
      }
      return { ok: true, rollen };
    }
    case 'nl.ketens.deelnemer-uitgenodigd': {
      const nodig = eigenaarNodig(state, oin, rollen);
      if (nodig) return nodig;
      const d = e.data;
      if (d.oin === oin)
        return refuse('zelf-aansluiten', 'data.oin', 'an organisation cannot invite itself', rollen);
      if (active(state, d.oin, d.rol)) {
        return refuse(
          'al-deelnemer',
          'data.oin',
          `organisation ${d.oin} already takes part as ${d.rol}`,
          rollen,
        );
      }
      if (state.uitnodigingen[d.uitnodigingId]) {
        return refuse(
          'uitnodiging-bestaat',
          'data.uitnodigingId',
          'an invitation with this id exists; a new invitation needs a new id',
          rollen,
        );
      }
      return { ok: true, rollen };
    }
    case 'nl.ketens.uitnodiging-aanvaard':
    case 'nl.ketens.uitnodiging-afgewezen': {
      const u = state.uitnodigingen[e.data.uitnodigingId];
      if (!u)
        return refuse(
          'onbekende-uitnodiging',
          'data.uitnodigingId',
          'no invitation with this id in this chain case',
          rollen,
        );
      if (u.oin !== oin) {
        return refuse(
          'niet-de-genodigde',
          'source',
          'only the invited organisation answers its invitation',
          rollen,
        );
      }
      if (u.status !== 'open') {
        return refuse(
          'uitnodiging-niet-open',
          'data.uitnodigingId',
          `the invitation is ${u.status}, not open`,
          rollen,
        );
      }
      return { ok: true, rollen: [u.rol] };
    }
    case 'nl.ketens.uitnodiging-ingetrokken': {
      const nodig = eigenaarNodig(state, oin, rollen);
      if (nodig) return nodig;
      const u = state.uitnodigingen[e.data.uitnodigingId];
      if (!u)
        return refuse(
          'onbekende-uitnodiging',
          'data.uitnodigingId',
          'no invitation with this id in this chain case',
          rollen,
        );
      if (u.status !== 'open') {
        return refuse(
          'uitnodiging-niet-open',
          'data.uitnodigingId',
          `the invitation is ${u.status}, not open`,
          rollen,
        );
      }
      return { ok: true, rollen };
    }
    case 'nl.ketens.toegang-gewijzigd':
    case 'nl.ketens.deelnemer-verwijderd': {
      const nodig = eigenaarNodig(state, oin, rollen);
      if (nodig) return nodig;
      const d = e.data;
      if (d.oin === oin) {
        return refuse(
          'eigen-deelname',
          'data.oin',
          'an organisation cannot change or end its own participation; another owner does',
          rollen,
        );
      }
      if (state.opener?.oin === d.oin) {
        return refuse(
          'opener-blijft',
          'data.oin',
          'the participation of the organisation that opened the case cannot be changed',
          rollen,
        );
      }
      if (!active(state, d.oin, d.rol)) {
        return refuse(
          'onbekende-deelnemer',
          'data.oin',
          `organisation ${d.oin} does not take part as ${d.rol}`,
          rollen,
        );
      }
      return { ok: true, rollen };
    }
    case 'nl.ketens.actieverzoek-verzonden': {
      const g = generic(e, rollen);
      if (!g.ok) return g;
      const d = e.data;
      if (d.van !== oin)
        return refuse(
          'eigen-organisatie',
          'data.van',
          `must be ${oin}, the organisation sending the request`,
          rollen,
        );
      const bestaand = state.actieverzoeken[d.actieverzoekId];
      if (bestaand && bestaand.van !== oin) {
        return refuse(
          'actieverzoek-bestaat',
          'data.actieverzoekId',
          'another organisation sent an actieverzoek with this id',
          rollen,
        );
      }
      if (!deelnamesVan(state, d.aan).length) {
        return refuse(
          'ontvanger-geen-deelnemer',
          'data.aan',
          `organisation ${d.aan} does not take part in the chain case; add or invite it first`,
          rollen,
        );
      }
      return g;
    }
    case 'nl.ketens.actieverzoek-in-behandeling-genomen':
    case 'nl.ketens.actieverzoek-geweigerd':
    case 'nl.ketens.actieverzoek-gereedgemeld':
    case 'nl.ketens.actieverzoek-ingetrokken':
    case 'nl.ketens.actieverzoek-afgerond': {
      // Decided on the organisation itself, not its role: the one asked answers, the asker accepts.
      if (rollen.length === 0) return geenDeelnemer(rollen);
      const g: Verdict = { ok: true, rollen };
      const av = state.actieverzoeken[e.data.actieverzoekId];
      if (!av)
        return refuse(
          'onbekend-actieverzoek',
          'data.actieverzoekId',
          'no actieverzoek with this id in this chain case',
          rollen,
        );
      const doorVerzoeker =
        e.type === 'nl.ketens.actieverzoek-ingetrokken' || e.type === 'nl.ketens.actieverzoek-afgerond';
      if (doorVerzoeker && av.van !== oin)
        return refuse(
          'niet-de-verzoeker',
          'source',
          'only the requesting organisation withdraws or accepts an actieverzoek',
          rollen,
        );
      if (!doorVerzoeker && av.aan !== oin)
        return refuse(
          'niet-de-ontvanger',
          'source',
          'only the organisation asked answers an actieverzoek',
          rollen,
        );
      return g;
    }
    case 'nl.omgevingswet.advies-gevraagd':
    case 'nl.omgevingswet.instemming-gevraagd': {
      const g = generic(e, rollen);
      if (!g.ok) return g;
      const id =
        e.type === 'nl.omgevingswet.advies-gevraagd' ? e.data.adviesverzoekId : e.data.instemmingsverzoekId;
      const map =
        e.type === 'nl.omgevingswet.advies-gevraagd' ? state.adviesverzoeken : state.instemmingsverzoeken;
      const bestaand = map[id];
      if (bestaand && bestaand.adviseur !== e.data.adviseur) {
        return refuse(
          'adviesverzoek-bestaat',
          'data',
          'a request with this id was sent to another adviser',
          rollen,
        );
      }
      if (!deelnamesVan(state, e.data.adviseur).length) {
        return refuse(
          'adviseur-geen-deelnemer',
          'data.adviseur',
          `organisation ${e.data.adviseur} does not take part in the chain case; add or invite it first`,
          rollen,
        );
      }
      return g;
    }
    case 'nl.omgevingswet.advies-gegeven':
    case 'nl.omgevingswet.instemming-verleend':
    case 'nl.omgevingswet.instemming-geweigerd': {
      if (rollen.length === 0) return geenDeelnemer(rollen);
      const verzoek =
        e.type === 'nl.omgevingswet.advies-gegeven'
          ? state.adviesverzoeken[e.data.adviesverzoekId]
          : state.instemmingsverzoeken[e.data.instemmingsverzoekId];
      if (!verzoek)
        return refuse(
          'onbekend-adviesverzoek',
          'data',
          'no request for this advice or consent in this chain case',
          rollen,
        );
      if (verzoek.adviseur !== oin)
        return refuse(
          'niet-de-gevraagde-adviseur',
          'source',
          'only the adviser that was asked answers the request',
          rollen,
        );
      return generic(e, rollen);
    }
    default:
      return generic(e, rollen);
  }
}

function upsert(state: AccessState, d: Deelname): void {
  const i = state.deelnames.findIndex((x) => x.oin === d.oin && x.rol === d.rol);
  if (i >= 0) state.deelnames[i] = d;
  else state.deelnames.push(d);
  state.deelnames.sort((a, b) => (a.oin === b.oin ? (a.rol < b.rol ? -1 : 1) : a.oin < b.oin ? -1 : 1));
}

/**
 * Folds one event into `state` IN PLACE and returns its verdict: the next step of the case's log.
 * An access event changes the state only when its verdict is ok; a copy of an access event seen
 * before changes nothing and gets the verdict `ok` of a duplicate (callers drop duplicates anyway).
 * `positie` is the event's position in the case's log (1-based), when the caller counts them.
 */
export function applyAccess(
  state: AccessState,
  event: AccessEvent,
  ctx: AccessContext,
  positie = 0,
): Verdict {
  if (!isAccessType(event.type)) return judge(state, event, ctx);
  const key = gezienSleutel(event.source, event.id);
  if (state.gezien.includes(key))
    return { ok: true, rollen: rollenVan(state, oinOfSource(event.source), ctx) };
  state.gezien.push(key);
  const verdict = judge(state, event, ctx);
  if (!verdict.ok) return verdict;
  const oin = oinOfSource(event.source) as string;
  const e = event as KetenEvent;
  switch (e.type) {
    case 'nl.ketens.ketenzaak-geopend': {
      const d = e.data;
      state.domein = d.domein;
      state.opener = { oin: d.oin, rol: d.rol };
      upsert(state, {
        oin: d.oin,
        rol: d.rol,
        toegang: 'volledig',
        systeem: d.systeem,
        zaakreferentie: d.zaakreferentie,
        status: 'actief',
        sinds: active(state, d.oin, d.rol)?.sinds ?? positie,
        sindsTijd: active(state, d.oin, d.rol)?.sindsTijd ?? e.time,
        via: 'geopend',
        verleendDoor: d.oin,
      });
      break;
    }
    case 'nl.ketens.deelnemer-aangesloten': {
      const d = e.data;
      const bestaand = active(state, d.oin, d.rol);
      upsert(state, {
        oin: d.oin,
        rol: d.rol,
        toegang: d.toegang,
        ...(d.naam ? { naam: d.naam } : bestaand?.naam ? { naam: bestaand.naam } : {}),
        systeem: d.systeem,
        zaakreferentie: d.zaakreferentie,
        status: 'actief',
        sinds: bestaand?.sinds ?? positie,
        sindsTijd: bestaand?.sindsTijd ?? e.time,
        via: bestaand?.via ?? 'toegevoegd',
        verleendDoor: bestaand?.verleendDoor ?? oin,
      });
      break;
    }
    case 'nl.ketens.deelnemer-uitgenodigd': {
      const d = e.data;
      state.uitnodigingen[d.uitnodigingId] = {
        id: d.uitnodigingId,
        oin: d.oin,
        rol: d.rol,
        toegang: d.toegang,
        ...(d.naam ? { naam: d.naam } : {}),
        door: oin,
        tijd: e.time,
        status: 'open',
      };
      break;
    }
    case 'nl.ketens.uitnodiging-aanvaard': {
      const u = state.uitnodigingen[e.data.uitnodigingId]!;
      u.status = 'aanvaard';
      const bestaand = active(state, u.oin, u.rol);
      upsert(state, {
        oin: u.oin,
        rol: u.rol,
        // Added directly meanwhile: the owner's later setting stands.
        toegang: bestaand?.toegang ?? u.toegang,
        ...(u.naam ? { naam: u.naam } : {}),
        systeem: e.data.systeem,
        zaakreferentie: e.data.zaakreferentie,
        status: 'actief',
        sinds: bestaand?.sinds ?? positie,
        sindsTijd: bestaand?.sindsTijd ?? e.time,
        via: bestaand?.via ?? 'uitnodiging',
        verleendDoor: bestaand?.verleendDoor ?? u.door,
      });
      break;
    }
    case 'nl.ketens.uitnodiging-afgewezen':
      state.uitnodigingen[e.data.uitnodigingId]!.status = 'afgewezen';
      break;
    case 'nl.ketens.uitnodiging-ingetrokken':
      state.uitnodigingen[e.data.uitnodigingId]!.status = 'ingetrokken';
      break;
    case 'nl.ketens.toegang-gewijzigd': {
      const d = active(state, e.data.oin, e.data.rol)!;
      d.toegang = e.data.toegang as Toegang;
      break;
    }
    case 'nl.ketens.deelnemer-verwijderd': {
      const d = active(state, e.data.oin, e.data.rol)!;
      d.status = 'verwijderd';
      d.tot = positie;
      d.totTijd = e.time;
      break;
    }
    case 'nl.ketens.actieverzoek-verzonden':
      state.actieverzoeken[e.data.actieverzoekId] = { van: e.data.van, aan: e.data.aan };
      break;
    case 'nl.omgevingswet.advies-gevraagd':
      state.adviesverzoeken[e.data.adviesverzoekId] = { adviseur: e.data.adviseur, door: oin };
      break;
    case 'nl.omgevingswet.instemming-gevraagd':
      state.instemmingsverzoeken[e.data.instemmingsverzoekId] = { adviseur: e.data.adviseur, door: oin };
      break;
  }
  return verdict;
}

/** Pure form of {@link applyAccess}: the next state and the verdict; the input is not touched. */
export function evolveAccess(
  state: AccessState,
  event: AccessEvent,
  ctx: AccessContext,
  positie = 0,
): { state: AccessState; verdict: Verdict } {
  if (!isAccessType(event.type)) return { state, verdict: judge(state, event, ctx) };
  const next = structuredClone(state);
  const verdict = applyAccess(next, event, ctx, positie);
  return { state: next, verdict };
}

/** The organisation a participation event is about (added, invited, changed, removed), if any. */
export function betrokkeneVan(state: AccessState, event: AccessEvent): string | undefined {
  const e = event as KetenEvent;
  switch (e.type) {
    case 'nl.ketens.deelnemer-aangesloten':
    case 'nl.ketens.deelnemer-uitgenodigd':
    case 'nl.ketens.toegang-gewijzigd':
    case 'nl.ketens.deelnemer-verwijderd':
      return e.data.oin;
    case 'nl.ketens.uitnodiging-aanvaard':
    case 'nl.ketens.uitnodiging-afgewezen':
    case 'nl.ketens.uitnodiging-ingetrokken':
      return state.uitnodigingen[e.data.uitnodigingId]?.oin;
    default:
      return undefined;
  }
}
