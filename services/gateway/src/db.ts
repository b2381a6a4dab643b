import type { Insertable, Selectable } from 'kysely';
import type { CaseAccessEventsTable } from './cases/case-access.table';
import type { PublishedTable, ReceivedTable } from './ingest/accept/received.table';

/** Every table of the gateway schema, for `Kysely<GatewayDatabase>`. */
export interface GatewayDatabase {
  'gateway.received': ReceivedTable;
  'gateway.published': PublishedTable;
  'gateway.case_access_events': CaseAccessEventsTable;
}

export type Row<T extends keyof GatewayDatabase> = Selectable<GatewayDatabase[T]>;
export type NewRow<T extends keyof GatewayDatabase> = Insertable<GatewayDatabase[T]>;
