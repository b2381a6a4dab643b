import type { CaseParticipantsTable } from './cases/participants.table';
import type { DeliveriesTable } from './deliveries/deliveries.table';
import type { SubscriptionsTable } from './subscriptions/subscriptions.table';

/** Every table of the dispatcher schema, for `Kysely<DispatcherDatabase>`. */
export interface DispatcherDatabase {
  'dispatcher.subscriptions': SubscriptionsTable;
  'dispatcher.case_participants': CaseParticipantsTable;
  'dispatcher.deliveries': DeliveriesTable;
}
