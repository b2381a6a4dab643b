import { createHash } from 'node:crypto';
import type { CaseDomain } from '@ketenhub/events';
import { filterKenmerken, hubKanalen, isHubKanaal, type KanaalFilter } from '@ketenhub/zgw-notificaties';
import { z } from 'zod';
import type { SubscriptionRow } from '../subscriptions/subscriptions.table';

/**
 * The Notificaties API 1.0 shapes of the façade (`Abonnement`, `Kanaal`), and the requests it
 * takes. Field rules are the OpenAPI document's (callbackUrl a URI of at most 200, auth at most
 * 1000, filter values at most 1000); on top, the hub's: a kanaal is one of its domains and a filter
 * key one of its kenmerken. Unknown fields are ignored, as Open Notificaties does (a consumer that
 * PUTs back what it read sends `url` too).
 */
const kanaalRequest = z
  .object({
    naam: z
      .string()
      .min(1)
      .max(50)
      .refine(isHubKanaal, {
        error: `must be one of ${hubKanalen.join(', ')}`,
        params: { rule: 'kanaal-onbekend' },
      }),
    filters: z.record(z.string(), z.string().min(1).max(1000)).optional(),
  })
  .superRefine((k, ctx) => {
    for (const key of Object.keys(k.filters ?? {})) {
      if ((filterKenmerken as readonly string[]).includes(key)) continue;
      ctx.addIssue({
        code: 'custom',
        path: ['filters', key],
        message: `a filter key must be one of ${filterKenmerken.join(', ')}`,
        params: { rule: 'filter-onbekend' },
      });
    }
  });

/**
 * The placeholder the façade answers for `auth`: the official schema requires the field, and the
 * hub never shows the value. A PUT or PATCH that sends it back keeps the stored value.
 */
export const authMask = '********';

export const abonnementRequest = z.object({
  callbackUrl: z.url({ error: 'must be an absolute URL' }).max(200),
  auth: z.string().min(1).max(1000),
  kanalen: z.array(kanaalRequest).min(1, { error: 'at least one kanaal' }),
});
export const abonnementPatch = abonnementRequest.partial();

export function toKanaalFilters(kanalen: z.output<typeof kanaalRequest>[]): KanaalFilter[] {
  return kanalen.map((k) => ({ naam: k.naam as CaseDomain, filters: k.filters ?? {} }));
}

export interface Abonnement {
  url: string;
  callbackUrl: string;
  /** Always {@link authMask}: whether one is set is `authIngesteld`. */
  auth: string;
  /** Hub extension: an Authorization value is registered (it is sent with every notification). */
  authIngesteld: boolean;
  kanalen: { naam: string; filters: Record<string, string> }[];
}

export function toAbonnement(base: string, row: SubscriptionRow): Abonnement {
  return {
    url: `${base}/api/v1/abonnement/${row.id}`,
    callbackUrl: row.url,
    auth: authMask,
    authIngesteld: row.auth_sealed !== null,
    kanalen: (row.kanalen ?? []).map((k) => ({ naam: k.naam, filters: k.filters })),
  };
}

/** A kanaal's uuid: the same on every registry (a UUIDv5-style digest of its name). */
export function kanaalUuid(naam: string): string {
  const h = createHash('sha1').update(`ketenhub/kanaal/${naam}`, 'utf8').digest();
  h[6] = ((h[6] ?? 0) & 0x0f) | 0x50;
  h[8] = ((h[8] ?? 0) & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

export interface Kanaal {
  url: string;
  naam: string;
  documentatieLink: string;
  filters: string[];
}

export function toKanaal(base: string, naam: CaseDomain): Kanaal {
  return {
    url: `${base}/api/v1/kanaal/${kanaalUuid(naam)}`,
    naam,
    documentatieLink: 'https://ketenhub.nl/docs/zgw#kanalen-en-kenmerken',
    filters: [...filterKenmerken],
  };
}
