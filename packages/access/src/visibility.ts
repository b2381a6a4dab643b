import { definitionOf, type ParticipantRole } from '@ketenhub/events';
import { type AccessEvent, betrokkeneVan, oinOfSource, type Verdict } from './participation';
import { type CaseAccess, klokSectie, mag, resolveAccess, type Viewer } from './sections';
import type { AccessState } from './state';

/** Where an event leaves the hub: read by a person or program (API, page, feed), or pushed (webhook). */
export type Uitgang = 'lezen' | 'levering';

/** What a viewer gets of one event. */
export type EventZicht =
  | { zicht: 'volledig'; data: Record<string, unknown>; conflict: boolean }
  | {
      zicht: 'beperkt';
      data: Record<string, unknown>;
      /** Name of the redaction, carried as the `redactie` attribute of a delivered copy. */
      redactie: string;
      conflict: boolean;
    };

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

function containsBsn(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(containsBsn);
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) if (k === 'bsn' || containsBsn(v)) return true;
  }
  return false;
}

export interface ZichtOptions {
  /** The event's verdict at its place in the log ({@link applyAccess}). */
  verdict: Pick<Verdict, 'ok'>;
  uitgang: Uitgang;
  /** The event's position in the case's log, when known: late joiners see only `nalezen` types before they joined. */
  positie?: number;
}

/**
 * THE rule for one event and one organisation: what it may see of `event` given the case's access
 * state (for a delivery: the state just after the event; for a read: the state now). Null: nothing,
 * not even that the event exists.
 *
 * - Events whose publisher was not entitled (conflicts) are never delivered; they are read only by
 *   roles that see conflicts, and only when the event's own section is visible to them.
 * - A participation event is delivered to the organisation it is about even when that does not take
 *   part (the invitation reaches the invitee, the removal the removed); it cannot read the case.
 * - Where a role sees only part of an event, it gets a redacted copy (`beperkt`); the BSN is removed
 *   for roles without the `bsn` section.
 */
export function zichtOpEvent(
  state: AccessState,
  event: AccessEvent,
  viewer: Viewer | CaseAccess,
  options: ZichtOptions,
): EventZicht | null {
  const definition = definitionOf(event.type);
  if (!definition) return null;
  const access = 'secties' in viewer ? viewer : resolveAccess(viewer, state);
  const conflict = !options.verdict.ok;
  if (conflict && (options.uitgang === 'levering' || !access?.secties.has('conflicten'))) return null;
  const data = event.data as Record<string, unknown>;

  if (!access) {
    // Not (or no longer) a participant: the case does not exist for it (a read is a 404), and only
    // what is about the organisation itself is delivered: its invitation, its removal.
    if (options.uitgang === 'lezen') return null;
    const betrokkene = betrokkeneVan(state, event);
    return betrokkene !== undefined && betrokkene === viewer.oin && !conflict
      ? { zicht: 'volledig', data, conflict }
      : null;
  }
  if (!mag.nalezen(access, options.positie, definition.nalezen)) return null;

  const z = definition.zichtbaarheid;
  let out: EventZicht | null = null;
  switch (z.soort) {
    case 'deelnemers':
      out = { zicht: 'volledig', data, conflict };
      break;
    case 'sectie':
      if (access.secties.has(z.sectie)) out = { zicht: 'volledig', data, conflict };
      else if (z.beperkt && access.secties.has(z.beperkt.sectie)) {
        const velden = z.beperkt.velden;
        out = {
          zicht: 'beperkt',
          data: Object.fromEntries(Object.entries(data).filter(([k]) => velden.includes(k))),
          redactie: z.beperkt.sectie,
          conflict,
        };
      }
      break;
    case 'klok':
      if (access.secties.has(klokSectie(String(data.termijn)))) out = { zicht: 'volledig', data, conflict };
      break;
    case 'document':
      if (mag.document(access, data)) out = { zicht: 'volledig', data, conflict };
      break;
    case 'actieverzoek': {
      const av = state.actieverzoeken[String(data.actieverzoekId)] ?? { van: data.van, aan: data.aan };
      if (mag.actieverzoek(access, av)) out = { zicht: 'volledig', data, conflict };
      break;
    }
    case 'advies': {
      if (mag.advies(access, adviseurVan(state, event))) out = { zicht: 'volledig', data, conflict };
      break;
    }
    case 'uitnodiging': {
      if (mag.uitnodiging(access, betrokkeneVan(state, event))) out = { zicht: 'volledig', data, conflict };
      break;
    }
  }
  if (out && !access.secties.has('bsn') && containsBsn(out.data)) {
    out = {
      zicht: 'beperkt',
      data: withoutBsn(out.data),
      redactie: out.zicht === 'beperkt' ? out.redactie : 'zonder-bsn',
      conflict,
    };
  }
  return out;
}

/** The adviser an advice or consent event concerns: the one asked, else its publisher. */
export function adviseurVan(state: AccessState, event: AccessEvent): string | undefined {
  const data = event.data as Record<string, unknown>;
  if (typeof data.adviseur === 'string') return data.adviseur;
  const verzoek =
    typeof data.adviesverzoekId === 'string'
      ? state.adviesverzoeken[data.adviesverzoekId]
      : typeof data.instemmingsverzoekId === 'string'
        ? state.instemmingsverzoeken[data.instemmingsverzoekId]
        : undefined;
  return verzoek?.adviseur ?? oinOfSource(event.source);
}

/** One organisation in one role that receives an event, and in which form. */
export interface Ontvanger {
  oin: string;
  rol: ParticipantRole;
  zicht: EventZicht;
}

/**
 * Every organisation and role that receives `event` by push (webhook, feed), judged with the case's
 * access state just after it: the participants, and the organisation the event is about. The
 * pull feed stores these per event; it is {@link zichtOpEvent} per candidate, nothing more.
 */
export function ontvangers(
  stateAfter: AccessState,
  event: AccessEvent,
  verdict: Pick<Verdict, 'ok'>,
): Ontvanger[] {
  if (!verdict.ok) return [];
  const candidates = new Map<string, { oin: string; rol: ParticipantRole }>();
  for (const d of stateAfter.deelnames)
    if (d.status === 'actief') candidates.set(`${d.oin}:${d.rol}`, { oin: d.oin, rol: d.rol });
  const betrokkene = betrokkeneVan(stateAfter, event);
  if (betrokkene !== undefined) {
    for (const d of stateAfter.deelnames) if (d.oin === betrokkene) candidates.set(`${d.oin}:${d.rol}`, d);
    for (const u of Object.values(stateAfter.uitnodigingen))
      if (u.oin === betrokkene) candidates.set(`${u.oin}:${u.rol}`, { oin: u.oin, rol: u.rol });
  }
  const out: Ontvanger[] = [];
  for (const c of candidates.values()) {
    const zicht = zichtOpEvent(
      stateAfter,
      event,
      { oin: c.oin, roles: [c.rol] },
      { verdict, uitgang: 'levering' },
    );
    if (zicht) out.push({ oin: c.oin, rol: c.rol, zicht });
  }
  return out;
}
