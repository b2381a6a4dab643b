/**
 * ZGW Notificaties API 1.0, shared by the ZGW connector (intake), the registry's Open
 * Notificaties-compatible façade and the dispatcher's ZGW-format deliveries: the body's schema, the
 * hub's kanalen and kenmerken, and a hub event as a notification. Pure code; no I/O.
 */
export {
  filterKenmerken,
  hubKanalen,
  isHubKanaal,
  type KanaalFilter,
  passeert,
  typesVanKanaal,
  typesVoorKanalen,
} from './kanalen';
export { type Notificatie, notificatieSchema, testKanaal } from './notificatie';
export {
  type HubEventKop,
  type HubKenmerk,
  hubKenmerken,
  kenmerkenVan,
  mayBeBsn,
  naarNotificatie,
  type UitHubOptions,
} from './uit-hub';
