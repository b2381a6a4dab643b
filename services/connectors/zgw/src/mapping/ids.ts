import { createHash } from 'node:crypto';

/**
 * Name-based UUIDs (RFC 9562 version 5: SHA-1 over a namespace and a name). The connector derives
 * every event id and every chain case id it opens from ZGW resource URLs, never from a random source:
 * a notification that Open Notificaties sends again, a second notification about the same fact, or a
 * connector that lost its database all produce the same id, which the gateway answers as a re-send
 * (idempotent by source + id) instead of storing a second event.
 */

/** The connector's namespace (itself a v5 UUID of `https://ketenhub.nl/connectors/zgw` in the URL namespace). */
export const zgwNamespace = uuidV5(
  '6ba7b811-9dad-11d1-80b4-00c04fd430c8',
  'https://ketenhub.nl/connectors/zgw',
);

export function uuidV5(namespace: string, name: string): string {
  const ns = Buffer.from(namespace.replaceAll('-', ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The ids of what the connector publishes. `bron` is part of every name: two ZGW sources never share
 * an event id, even if (in a test, or after a migration) they serve the same URLs.
 */
export const ids = {
  /** The chain case a zaak of a zaaktype with `ketenzaak: openen` opens. */
  ketenzaak: (bron: string, zaakUrl: string) => uuidV5(zgwNamespace, `${bron}|ketenzaak|${zaakUrl}`),
  opening: (bron: string, zaakUrl: string) => uuidV5(zgwNamespace, `${bron}|geopend|${zaakUrl}`),
  /** A status maps to at most one lifecycle event; the type is in the name all the same. */
  status: (bron: string, statusUrl: string, type: string) =>
    uuidV5(zgwNamespace, `${bron}|status|${statusUrl}|${type}`),
  /** The closing fact of a zaak: the same id whether the final status or the zaak update brought it. */
  sluiting: (bron: string, zaakUrl: string, type: string) =>
    uuidV5(zgwNamespace, `${bron}|sluiting|${zaakUrl}|${type}`),
  besluit: (bron: string, besluitUrl: string) => uuidV5(zgwNamespace, `${bron}|besluit|${besluitUrl}`),
  document: (bron: string, zaakinformatieobjectUrl: string) =>
    uuidV5(zgwNamespace, `${bron}|document|${zaakinformatieobjectUrl}`),
};
