export {
  createDatabase,
  type DatabaseOptions,
  databaseName,
  dropDatabase,
  ensureDatabase,
  isDatabaseReachable,
  maintenanceUrl,
  redactUrl,
  withConnection,
} from './database';
export { type Listener, startListener } from './listen';
export { type MigrateOptions, type Migrations, migrateToLatest, openServiceDatabase } from './migrations';
export {
  applyBatchesOnce,
  applyBatchOnce,
  createPositionsTable,
  loadPositions,
  type OffsetRecord,
  type PartitionBatch,
  type PositionKey,
} from './positions';
