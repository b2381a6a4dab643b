import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/** What became of a notification; see mapping/redenen.ts for the reasons per outcome. */
export const notificatieStatussen = [
  'nieuw',
  'verwerkt',
  'genegeerd',
  'onverwerkt',
  'geweigerd',
  'wacht',
] as const;
export type NotificatieStatus = (typeof notificatieStatussen)[number];

/** `connector_zgw.notificaties`: every callback taken in, until the retention removes handled ones. */
export interface NotificatiesTable {
  id: Generated<string>;
  bron: string;
  kanaal: string;
  resource: string;
  actie: string;
  hoofd_object: string;
  resource_url: string;
  aanmaakdatum: string;
  kenmerken: ColumnType<Record<string, string>, string, string>;
  /** The zaak the notification is about, once known (for a besluit only after it was fetched). */
  zaak_url: string | null;
  status: Generated<NotificatieStatus>;
  reden: string | null;
  detail: string | null;
  /** The gateway's problem+json when it refused an event of this notification. */
  problem: ColumnType<unknown, string | null, string | null>;
  attempts: Generated<number>;
  next_attempt_at: ColumnType<Date, Date | undefined, Date>;
  claimed_until: Date | null;
  last_error: string | null;
  ontvangen_op: ColumnType<Date, Date | undefined, never>;
  afgehandeld_op: Date | null;
}

export type NotificatieRow = Selectable<NotificatiesTable>;
export type NewNotificatieRow = Insertable<NotificatiesTable>;
