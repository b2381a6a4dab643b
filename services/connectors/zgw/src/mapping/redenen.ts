/**
 * Why a notification produced no event, by outcome. `onverwerkt`: the connector could not map it and
 * keeps it for the operator (`GET /onverwerkt`), who can fix the configuration or the zaak and queue
 * it again. `genegeerd`: nothing to publish by design (counted, not listed by default). `wacht`: it
 * waits for a link between zaak and chain case and is queued again when one is made.
 */
export const redenen = {
  // onverwerkt
  'kanaal-onbekend': 'onverwerkt',
  'zaaktype-onbekend': 'onverwerkt',
  'zaak-verwijderd': 'onverwerkt',
  'statustype-niet-gemapt': 'onverwerkt',
  'resultaattype-niet-gemapt': 'onverwerkt',
  'besluittype-niet-gemapt': 'onverwerkt',
  'besluit-zonder-zaak': 'onverwerkt',
  'geen-bsn': 'onverwerkt',
  'geen-verzoeknummer': 'onverwerkt',
  'geen-gemeentecode': 'onverwerkt',
  'resource-niet-gevonden': 'onverwerkt',
  'url-buiten-zgw-api': 'onverwerkt',
  'zgw-ongeldig': 'onverwerkt',
  'zgw-onbereikbaar': 'onverwerkt',
  'event-ongeldig': 'onverwerkt',
  'bron-onbekend': 'onverwerkt',
  // genegeerd
  'niet-van-belang': 'genegeerd',
  'status-zonder-event': 'genegeerd',
  'documenten-uit': 'genegeerd',
  'zaak-nog-open': 'genegeerd',
  'geen-sluiting': 'genegeerd',
  'sluiting-niet-gemapt': 'genegeerd',
  'al-gekoppeld': 'genegeerd',
  // wacht
  'wacht-op-koppeling': 'wacht',
  // geweigerd: the gateway refused an event of the notification (4xx); the problem is kept with it
  'hub-weigert': 'geweigerd',
} as const;

export type Reden = keyof typeof redenen;
export type RedenUitkomst = (typeof redenen)[Reden];
