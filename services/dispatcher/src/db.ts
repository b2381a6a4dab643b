import type { AccessRebuildTable, CaseAccessTable } from './cases/case-access.table';
import type { DeliveriesTable } from './deliveries/deliveries.table';
import type { CaseAccessEventsTable, ReplayPartitionsTable, ReplaysTable } from './replays/replays.table';
import type { SubscriptionsTable } from './subscriptions/subscriptions.table';

/** Every table of the dispatcher schema, for `Kysely<DispatcherDatabase>`. */
export interface DispatcherDatabase {
  'dispatcher.subscriptions': SubscriptionsTable;
  'dispatcher.case_access': CaseAccessTable;
  'dispatcher.access_rebuild': AccessRebuildTable;
  'dispatcher.deliveries': DeliveriesTable;
  'dispatcher.case_access_events': CaseAccessEventsTable;
  'dispatcher.replays': ReplaysTable;
  'dispatcher.replay_partitions': ReplayPartitionsTable;
}
