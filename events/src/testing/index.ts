/**
 * @ketenhub/events/testing: fixtures for tests of projections, gateways and consumers.
 * Test OINs use prefix 00000099, BSNs come from the RvIG test range; everything is deterministic.
 */
export { exampleData } from './examples';
export {
  addDays,
  type OmgevingswetLifecycleOptions,
  omgevingswetLifecycle,
  type WmoLifecycleOptions,
  wmoLifecycle,
} from './lifecycles';
export {
  before,
  type EventOverrides,
  eventsOfType,
  exampleTime,
  makeEvent,
  stableUuid,
  until,
} from './make-event';
export {
  type ExampleOrganisation,
  exampleAgbCode,
  exampleBsns,
  exampleCaseIds,
  exampleGemeentecode,
  exampleOrganisations,
  exampleVerzoeknummer,
} from './organisations';
