import type { Kysely, Transaction } from 'kysely';
import type { KoppelingenTable } from './koppelingen/koppelingen.table';
import type { NotificatiesTable } from './notificaties/notificaties.table';
import type { OutboxTable } from './outbox/outbox.table';

export interface ConnectorDatabase {
  'connector_zgw.notificaties': NotificatiesTable;
  'connector_zgw.koppelingen': KoppelingenTable;
  'connector_zgw.outbox': OutboxTable;
}

export type Db = Kysely<ConnectorDatabase> | Transaction<ConnectorDatabase>;
