import { type CaseDomain, isBsn, isUuid, parseSource } from '@ketenhub/events';
import type { Notificatie } from './notificatie';

/**
 * A hub event as a Notificaties API 1.0 body, for ZGW consumers that subscribe to the hub the way
 * they subscribe to Open Notificaties (issue 14, items 2 and 3). Pure: the dispatcher builds the
 * body with it at send time from the stored CloudEvent, the tests check the result against the
 * official schema.
 *
 * Like every Notificaties body it is information-poor on purpose: type, organisation and local case
 * number, never event data (a BSN never appears in a kenmerk or URL). The consumer reads the case
 * from the projection API with its own token, where the access rule decides what it may see. The
 * event given is the copy the access rule left for the receiver (possibly redacted): nothing here
 * reads its `data`.
 */
export interface UitHubOptions {
  /** The chain case's domain: the kanaal. `nl.ketens.*` events travel in their case's domain too. */
  domein: CaseDomain;
  /** The projection API's base URL, e.g. `https://hub.example.nl` (the case is `<base>/cases/<id>`). */
  projectieUrl: string;
  /** The receiving organisation's own case number in this chain case, when it has one. */
  zaakreferentie?: string | undefined;
}

export interface HubEventKop {
  id: string;
  type: string;
  source: string;
  subject: string;
  time: string;
}

/**
 * The kenmerken of a hub notification, which are also the filter keys of its kanaal
 * (`/api/v1/kanaal`): `type` (the event type), `bron` (the source URN), `bronorganisatie` (the
 * source's OIN), `zaakreferentie` (the receiver's own local case number).
 */
export const hubKenmerken = ['type', 'bron', 'bronorganisatie', 'zaakreferentie'] as const;
export type HubKenmerk = (typeof hubKenmerken)[number];

/**
 * A value that could be a BSN (nine digits passing the 11-proef, with or without separators):
 * such a value stays out of a notification (a local case number out of `kenmerken`, an event id out
 * of `resourceUrl`'s fragment). Broader than the gateway's check of ids (a standalone run of exactly
 * nine digits). A canonical UUID is read group by group: its hyphens are its form, not separators
 * in a number, and read across them 3% of random UUIDs looked like a BSN (0.4% now).
 */
export function mayBeBsn(value: string): boolean {
  if (isUuid(value)) return value.split('-').some((group) => hasBsn(group.match(/\d{9,}/g) ?? []));
  return hasBsn(value.match(/\d[\d .-]{7,}\d/g) ?? []);
}

function hasBsn(runs: readonly string[]): boolean {
  for (const run of runs) {
    const digits = run.replace(/\D/g, '');
    for (let i = 0; i + 9 <= digits.length; i++) if (isBsn(digits.slice(i, i + 9))) return true;
  }
  return false;
}

export function kenmerkenVan(event: HubEventKop, zaakreferentie?: string): Record<string, string> {
  const kenmerken: Record<string, string> = { type: event.type, bron: event.source };
  const parsed = parseSource(event.source);
  if (parsed) kenmerken.bronorganisatie = parsed.oin;
  // A local case number is free text of the receiver's own system: one that holds something that
  // could be a BSN is left out rather than sent in a header-like field every log may keep.
  if (zaakreferentie && !mayBeBsn(zaakreferentie)) kenmerken.zaakreferentie = zaakreferentie.slice(0, 1000);
  return kenmerken;
}

export function naarNotificatie(event: HubEventKop, options: UitHubOptions): Notificatie {
  const base = options.projectieUrl.replace(/\/+$/, '');
  const caseUrl = `${base}/cases/${encodeURIComponent(event.subject)}`;
  // The event within the case's timeline (`GET /cases/{id}/events` answers it, the fragment names
  // it). The id is the producer's; the gateway refuses ids that look like a BSN, and so does this.
  const fragment = mayBeBsn(event.id) ? '' : `#${encodeURIComponent(event.id)}`;
  return {
    kanaal: options.domein,
    hoofdObject: caseUrl,
    // The fact's name without `nl.<domain>.`: `melding-ontvangen`, `ketenzaak-geopend`.
    resource: event.type.split('.').slice(2).join('.').slice(0, 100),
    resourceUrl: `${caseUrl}/events${fragment}`,
    // The hub's log only grows: every event is a new fact, so the ZGW action is always create.
    actie: 'create',
    aanmaakdatum: event.time,
    kenmerken: kenmerkenVan(event, options.zaakreferentie),
  };
}
