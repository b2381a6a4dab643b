import type { Violation } from '@ketenhub/events';
import { z } from 'zod';

/**
 * A webhook subscription: where the dispatcher POSTs a system's events and which types. What the
 * system may receive at all is its registered `consumes`; a subscription narrows that down.
 */
export interface Subscription {
  id: string;
  systemId: string;
  url: string;
  types: string[];
  /** `paused` holds deliveries (they are still queued and go out on resume); `deleted` ends it for good. */
  status: SubscriptionStatus;
  /** Version of the current signing secret (1 at creation, +1 per rotation). */
  secretVersion: number;
  /** Until when the previous secret still signs too (rotation grace period); null when none. */
  previousSecretValidUntil: string | null;
  /** The receiver's WebHook-Allowed-Rate from the handshake, requests per minute; null: no limit. */
  allowedRate: number | null;
  /** The backfill asked for at creation (the dispatcher runs it once); null: none. */
  backfill: { from: string | null } | null;
  /** `cloudevents`, or `zgw`: a Notificaties API 1.0 body (made through the façade, /api/v1/abonnement). */
  format: SubscriptionFormat;
  /** Whether an Authorization value is registered (sent with every delivery); the value is never shown. */
  authSet: boolean;
  createdAt: string;
  updatedAt: string;
}

export const subscriptionFormats = ['cloudevents', 'zgw'] as const;
export type SubscriptionFormat = (typeof subscriptionFormats)[number];

export const subscriptionStatuses = ['active', 'paused', 'deleted'] as const;
export type SubscriptionStatus = (typeof subscriptionStatuses)[number];

const unique = <T>(values: T[]) => new Set(values).size === values.length;

/** Body of `POST /systems/{id}/subscriptions`. URL policy and the types subset are checked by {@link subscriptionViolations}. */
export const subscriptionRequestSchema = z.strictObject({
  url: z.url({ error: 'must be an absolute URL' }).max(2000),
  types: z
    .array(z.string())
    .min(1, { error: 'at least one type (or leave types out for all the system consumes)' })
    .refine(unique, { error: 'must not repeat a type', params: { rule: 'unique' } })
    .optional(),
  /**
   * Deliver the history of the chain cases the system takes part in too (`true`), or from a point in
   * time (`{ "from": "<ISO date-time>" }`): which past events it may see is the access rule's
   * (late joiners, docs/access.md). The dispatcher runs it once; progress at its
   * `/subscriptions/{id}/replays`.
   */
  backfill: z
    .union([
      z.literal(true),
      z.strictObject({
        from: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time with offset' }).optional(),
      }),
    ])
    .optional(),
});
export type SubscriptionRequest = z.output<typeof subscriptionRequestSchema>;

/** Body of `POST .../secret` (rotation). */
export const rotationRequestSchema = z
  .strictObject({
    /** How long the previous secret keeps signing, so receivers can switch without a gap. */
    graceSeconds: z.coerce
      .number()
      .int()
      .min(0)
      .max(7 * 86_400)
      .optional(),
  })
  .default({});

export interface UrlPolicy {
  /** `KETENHUB_WEBHOOK_LOCAL_HTTP`: plain http to this machine (localhost, 127.0.0.0/8, ::1) is allowed. */
  allowLocalHttp: boolean;
}

const loopbackHost = (host: string) =>
  host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);

/**
 * Webhook URL rules. Production: https only, because the body carries personal data (BSN) and the
 * signature proves origin but hides nothing. Never link-local (169.254.0.0/16 is where clouds serve
 * instance metadata, the classic SSRF target) nor the unspecified address. Loopback only when
 * local http is on (development, the demo, tests): in production a receiver on the hub's own
 * machine is a misconfiguration or an attempt to reach internal ports. No credentials in the URL:
 * it is shown in listings and logs.
 */
export function urlViolations(raw: string, policy: UrlPolicy): Violation[] {
  const url = new URL(raw);
  const host = url.hostname.toLowerCase();
  const v = (rule: string, message: string): Violation => ({
    field: 'url',
    rule,
    message: `url: ${message}`,
  });
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return [v('url-scheme', 'must be http(s)')];
  if (url.username || url.password) return [v('url-credentials', 'must not contain user or password')];
  if (url.hash) return [v('url-fragment', 'must not contain a fragment')];
  if (/^169\.254\./.test(host) || host.startsWith('[fe80:') || host === '0.0.0.0' || host === '[::]') {
    return [v('url-host', 'must not point at a link-local or unspecified address')];
  }
  if (loopbackHost(host)) {
    if (!policy.allowLocalHttp) return [v('url-host', 'must not point at this machine (loopback)')];
    return [];
  }
  if (url.protocol !== 'https:') {
    return [v('url-scheme', 'must be https (plain http only to localhost with KETENHUB_WEBHOOK_LOCAL_HTTP)')];
  }
  return [];
}

/** Types must come from the system's registered `consumes`: that is what the operator allowed it to receive. */
export function typeViolations(types: string[], consumes: readonly string[]): Violation[] {
  const allowed = new Set(consumes);
  return types.flatMap((type, i) =>
    allowed.has(type)
      ? []
      : [
          {
            field: `types.${i}`,
            rule: 'consumes',
            message: `types.${i}: "${type}" is not in the system's registered consumes`,
          },
        ],
  );
}
