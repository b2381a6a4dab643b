/**
 * Notificaties API 1.0 bodies: the schema of what the intake accepts, and a hub event as such a
 * body. Both live in @ketenhub/zgw-notificaties (shared with the registry's façade and the
 * dispatcher); re-exported here for the connector's existing importers.
 */
export {
  type HubEventKop,
  type Notificatie,
  naarNotificatie,
  notificatieSchema,
  testKanaal,
  type UitHubOptions,
} from '@ketenhub/zgw-notificaties';
