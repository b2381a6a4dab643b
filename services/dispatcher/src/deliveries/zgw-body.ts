import { type AccessState, deelnamesVan, resolveAccess } from '@ketenhub/access';
import { type CaseDomain, caseDomains } from '@ketenhub/events';
import { openWebhookAuth } from '@ketenhub/service';
import { naarNotificatie } from '@ketenhub/zgw-notificaties';
import type { Kysely } from 'kysely';
import type { DispatcherDatabase } from '../db';
import type { ClaimedDelivery } from './outbox';

/**
 * A ZGW-format delivery's request, built at send time from the stored body. The stored body is the
 * CloudEvent as the access rule left it for this receiver (the event itself or its redacted copy),
 * so order, retries, replay, backfill and redaction are the outbox's as for every subscription;
 * only the last step differs. The Notificaties body reads the event's envelope (id, type, source,
 * subject, time), never its `data`: nothing a role may not see can reach it.
 *
 * Why at send time and not at fan-out: one outbox row shape for both formats (replays and the
 * operator's requeue need no format logic), and the receiver's own case number is read as it is
 * now (it may have been given after the event).
 */
export type ZgwRequest =
  | { ok: true; body: Buffer; authorization: string | null }
  | { ok: false; reason: string };

const domainOfType = (type: string): CaseDomain | null => {
  const part = type.split('.')[1];
  return (caseDomains as readonly string[]).includes(part ?? '') ? (part as CaseDomain) : null;
};

/** Pure: the Notificaties 1.0 body and Authorization value of one delivery. */
export function zgwRequest(
  d: ClaimedDelivery,
  access: AccessState | undefined,
  options: { projectieUrl: string; webhookKey: string },
): ZgwRequest {
  let event: { id: string; type: string; source: string; subject: string; time: string };
  try {
    event = JSON.parse(d.body.toString('utf8'));
  } catch {
    return { ok: false, reason: 'the stored event is not JSON' };
  }
  const domein = access?.domein ?? domainOfType(event.type);
  if (!domein) return { ok: false, reason: 'the chain case has no known domain (kanaal)' };
  let authorization: string | null = null;
  if (d.authSealed) {
    const opened = openWebhookAuth(options.webhookKey, d.subscriptionId, d.authSealed);
    // Never guess or send without it: the receiver would refuse, and retrying cannot help.
    if (opened === undefined) {
      return {
        ok: false,
        reason: 'auth: the registered value does not open with KETENHUB_WEBHOOK_KEY; register it again',
      };
    }
    authorization = opened;
  }
  // The receiver's own local case number: the access rule decides whether it takes part and in
  // which roles (resolveAccess, as for every exit); the number is its participation's in one of them.
  const viewer = resolveAccess({ oin: d.oin, roles: d.roles }, access);
  const mine =
    viewer && access
      ? deelnamesVan(access, viewer.oin).find((p) => viewer.rollen.includes(p.rol) && p.zaakreferentie)
      : undefined;
  const body = naarNotificatie(event, {
    domein,
    projectieUrl: options.projectieUrl,
    zaakreferentie: mine?.zaakreferentie,
  });
  return { ok: true, body: Buffer.from(JSON.stringify(body), 'utf8'), authorization };
}

/** The access states of the claimed ZGW deliveries' cases, in one query. */
export async function caseAccessOf(
  db: Kysely<DispatcherDatabase>,
  claimed: readonly ClaimedDelivery[],
): Promise<Map<string, AccessState>> {
  const ids = [...new Set(claimed.filter((d) => d.format === 'zgw').map((d) => d.caseId))];
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('dispatcher.case_access')
    .select(['case_id', 'state'])
    .where('case_id', 'in', ids)
    .execute();
  return new Map(rows.map((r) => [r.case_id, r.state]));
}
