/**
 * Notificaties API 1.0 bodies: the schema of what the intake accepts, and a hub event as such a body
 * (for ZGW-format deliveries). Pure code; no I/O.
 */
export { type Notificatie, notificatieSchema, testKanaal } from './notificatie';
export { type HubEventKop, naarNotificatie, type UitHubOptions } from './uit-hub';
