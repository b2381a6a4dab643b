import { type CaseDomain, parseSource } from '@ketenhub/events';
import type { Notificatie } from './notificatie';

/**
 * The other direction: a hub event as a Notificaties API 1.0 body, for ZGW consumers that subscribe
 * to the hub the way they subscribe to Open Notificaties (issue 14, items 2 and 3). Pure, so the
 * dispatcher's ZGW-format deliveries and the façade can share it once it moves to a shared package.
 *
 * Like every Notificaties body it is information-poor on purpose: type, organisation and local case
 * number, never event data (a BSN never appears in a kenmerk or URL). The consumer reads the case
 * from the projection API with its own token, where the access rule decides what it may see.
 */
export interface UitHubOptions {
  /** The chain case's domain: the kanaal. `nl.ketens.*` events travel in their case's domain too. */
  domein: CaseDomain;
  /** The projection API's base URL, e.g. `https://hub.example.nl` (the case is `<base>/cases/<id>`). */
  projectieUrl: string;
  /** The receiving organisation's own case number in this chain case, when it has one. */
  zaakreferentie?: string;
}

export interface HubEventKop {
  id: string;
  type: string;
  source: string;
  subject: string;
  time: string;
}

export function naarNotificatie(event: HubEventKop, options: UitHubOptions): Notificatie {
  const base = options.projectieUrl.replace(/\/+$/, '');
  const caseUrl = `${base}/cases/${encodeURIComponent(event.subject)}`;
  const parsed = parseSource(event.source);
  const kenmerken: Record<string, string> = { type: event.type, bron: event.source };
  if (parsed) kenmerken.bronorganisatie = parsed.oin;
  if (options.zaakreferentie) kenmerken.zaakreferentie = options.zaakreferentie.slice(0, 1000);
  return {
    kanaal: options.domein,
    hoofdObject: caseUrl,
    // The fact's name without `nl.<domain>.`: `melding-ontvangen`, `ketenzaak-geopend`.
    resource: event.type.split('.').slice(2).join('.').slice(0, 100),
    resourceUrl: `${caseUrl}/events/${encodeURIComponent(event.id)}`,
    // The hub's log only grows: every event is a new fact, so the ZGW action is always create.
    actie: 'create',
    aanmaakdatum: event.time,
    kenmerken,
  };
}
