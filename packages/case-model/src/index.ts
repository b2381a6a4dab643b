/**
 * @ketenhub/case-model: the joined chain case ("ketenzaak") as pure code, without a database,
 * Kafka or a clock. Its state (`state.ts`), the fold of its events in log order (`evolve.ts`, one
 * handler table per domain), the legal clocks (`clocks/`) and the views of it: on a given day
 * (`view.ts`), as derived columns (`summary.ts`) and as one reader may see it (`viewer.ts`, the
 * answers of @ketenhub/access applied to the case's shape). The projection service stores,
 * consumes and serves it; given/when/then helpers are in `@ketenhub/case-model/testing`.
 */

export * from './clocks';
export { faseVan } from './derived';
export {
  comparePlaats,
  type EvolveContext,
  evolve,
  fold,
  handledTypes,
} from './evolve';
export {
  type Actieverzoek,
  type CaseState,
  type Conflict,
  type ConflictReden,
  type Deelname,
  type Document,
  emptyCase,
  type Fase,
  fasen,
  type Klok,
  type OmgevingswetFeiten,
  type Plaats,
  type Toegang,
  type WmoFeiten,
} from './state';
export { type CaseSummary, summarise, verstrekenKlokken } from './summary';
export { type CaseView, type KlokView, toView } from './view';
export {
  type CaseAccess,
  deadlineKeys,
  type FilteredCase,
  filterCase,
  filterTimelineEntry,
  listKeys,
  resolveAccess,
  type TimelineEntry,
  type Viewer,
} from './viewer';
