import { z } from 'zod';

/**
 * A notification as the Notificaties API 1.0 defines it (VNG-Realisatie/notificaties-api, 1.0.0,
 * `Notificatie`; the same body Open Notificaties posts to an abonnement's callbackUrl): the field
 * rules are the OpenAPI document's (maxLength, format uri, format date-time). Unknown fields are
 * refused: a body that is not a notification should fail loudly, not be half-read.
 */
export const notificatieSchema = z.strictObject({
  /** `KANAAL.naam`, e.g. `zaken`, `besluiten`. */
  kanaal: z.string().min(1).max(50),
  /** The main object of the publishing API the resource belongs to (for kanaal zaken: the zaak). */
  hoofdObject: z.url(),
  /** The resource name, e.g. `zaak`, `status`, `zaakinformatieobject`. */
  resource: z.string().min(1).max(100),
  resourceUrl: z.url(),
  /** What the publishing API did: `create`, `update`, `partial_update`, `destroy`. */
  actie: z.string().min(1).max(100),
  /** When it happened (RFC 3339 with offset). */
  aanmaakdatum: z.iso.datetime({ offset: true }),
  /** Filterable attributes the publishing API defines (zaken: bronorganisatie, zaaktype, vertrouwelijkheidaanduiding). */
  kenmerken: z.record(z.string(), z.string().min(1).max(1000)).optional(),
});

export type Notificatie = z.infer<typeof notificatieSchema>;

/**
 * The channel Open Notificaties posts to a callbackUrl when an abonnement is created or changed: it
 * checks that the URL answers 204 with the abonnement's auth (and 401/403 without). Not a notification
 * about anything; answered and not kept.
 */
export const testKanaal = 'test';
