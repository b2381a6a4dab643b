import type { AccessState } from '@ketenhub/access';

/** `dispatcher.case_access`: the access state of each chain case, as of the events fanned out. */
export interface CaseAccessTable {
  case_id: string;
  state: AccessState;
}

/**
 * `dispatcher.access_rebuild`: per partition, the offset up to which the log is read again only to
 * rebuild access states (after the upgrade from the participants table), queueing nothing.
 */
export interface AccessRebuildTable {
  group_id: string;
  topic: string;
  partition: number;
  until_offset: string;
}
