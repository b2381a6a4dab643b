import type { Notificatie } from '@ketenhub/zgw-notificaties';

/**
 * Notifications as Open Zaak publishes them (vng-api-common's NotificationMixin: the viewset action as
 * `actie`, the model name as `resource`, camelCased kenmerken of the kanaal's main object) and Open
 * Notificaties forwards them to an abonnement, unchanged. Built from a test ZGW server's resources.
 */

type Json = Record<string, unknown>;

/** Django's JSON encoder writes microseconds; Open Zaak's timestamps look like this. */
export function aanmaakdatum(at: Date = new Date()): string {
  return `${at.toISOString().slice(0, 23)}000Z`;
}

function zakenKenmerken(zaak: Json, catalogus?: string): Record<string, string> {
  return {
    bronorganisatie: String(zaak.bronorganisatie),
    zaaktype: String(zaak.zaaktype),
    vertrouwelijkheidaanduiding: String(zaak.vertrouwelijkheidaanduiding),
    ...(catalogus ? { 'zaaktype.catalogus': catalogus } : {}),
  };
}

/** kanaal `zaken`, about the zaak itself: create, update, partial_update, destroy. */
export function zaakNotificatie(
  zaak: Json,
  actie: 'create' | 'update' | 'partial_update' | 'destroy',
  at?: string,
): Notificatie {
  return {
    kanaal: 'zaken',
    hoofdObject: String(zaak.url),
    resource: 'zaak',
    resourceUrl: String(zaak.url),
    actie,
    aanmaakdatum: at ?? aanmaakdatum(),
    kenmerken: zakenKenmerken(zaak),
  };
}

/** kanaal `zaken`, about a sub-resource of the zaak (status, resultaat, zaakinformatieobject, rol, …). */
export function zaakResourceNotificatie(
  zaak: Json,
  resource: 'status' | 'resultaat' | 'zaakinformatieobject' | 'rol' | 'zaakeigenschap' | 'zaakobject',
  resourceUrl: string,
  actie: 'create' | 'update' | 'partial_update' | 'destroy' = 'create',
  at?: string,
): Notificatie {
  return {
    kanaal: 'zaken',
    hoofdObject: String(zaak.url),
    resource,
    resourceUrl,
    actie,
    aanmaakdatum: at ?? aanmaakdatum(),
    kenmerken: zakenKenmerken(zaak),
  };
}

/** kanaal `besluiten`: the besluit is its own main object. */
export function besluitNotificatie(
  besluit: Json,
  actie: 'create' | 'update' | 'destroy' = 'create',
  at?: string,
): Notificatie {
  return {
    kanaal: 'besluiten',
    hoofdObject: String(besluit.url),
    resource: 'besluit',
    resourceUrl: String(besluit.url),
    actie,
    aanmaakdatum: at ?? aanmaakdatum(),
    kenmerken: {
      verantwoordelijkeOrganisatie: String(besluit.verantwoordelijkeOrganisatie),
      besluittype: String(besluit.besluittype),
    },
  };
}

/** The body Open Notificaties posts to check a callbackUrl when an abonnement is made. */
export const openNotificatiesTest: Notificatie = {
  kanaal: 'test',
  hoofdObject: 'http://some.hoofdobject.nl/',
  resource: 'some_resource',
  resourceUrl: 'http://some.resource.nl/',
  actie: 'create',
  aanmaakdatum: '2019-01-01T12:00:00Z',
  kenmerken: {},
};

/** Posts a notification the way Open Notificaties does: JSON, the abonnement's auth as Authorization. */
export function postNotificatie(
  callbackUrl: string,
  auth: string | undefined,
  body: unknown,
): Promise<Response> {
  return fetch(callbackUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
    body: JSON.stringify(body),
  });
}
