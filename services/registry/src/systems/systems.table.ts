import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely';
import type { SubscriptionsTable } from '../subscriptions/subscriptions.table';

/** `registry.systems`: one row per registered case system. */
export interface SystemsTable {
  id: string;
  oin: string;
  name: string;
  roles: string[];
  domains: string[];
  publishes: string[];
  consumes: string[];
  kafka_native: boolean;
  /** SHA-256 (hex) of the current token; see token.ts for why a fast hash is right. */
  token_sha256: string;
  created_at: ColumnType<Date, Date | undefined, never>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
  revoked_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export type SystemRow = Selectable<SystemsTable>;
export type NewSystemRow = Insertable<SystemsTable>;
export type SystemUpdate = Updateable<SystemsTable>;

export interface RegistryDatabase {
  'registry.systems': SystemsTable;
  'registry.subscriptions': SubscriptionsTable;
}
