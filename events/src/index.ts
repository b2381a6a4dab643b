/**
 * @ketenhub/events: the Ketenhub event contract. CloudEvents 1.0 envelope with the NL GOV profile,
 * WMO and Omgevingswet catalogs, chain-level events, validators and the Kafka wire format.
 * Test fixtures live behind `@ketenhub/events/testing`.
 */
export {
  assertNever,
  catalog,
  type DefinitionOf,
  definitionOf,
  definitionsOf,
  EVENT_TYPE_SCHEME,
  type EventData,
  type EventOf,
  type EventType,
  eventDefinitions,
  eventTypes,
  isEventType,
  type KetenEvent,
  mayConsume,
  mayPublish,
  topicFor,
} from './catalog';
export { defineEvent, type EventDefinition } from './definition';
export {
  CLOUDEVENTS_JSON,
  DATA_CONTENT_TYPE,
  type Envelope,
  type EnvelopeAttributes,
  EXTENSION_NAME_PATTERN,
  envelopeSchema,
  knownAttributes,
  MAX_EVENT_BYTES,
  parseSource,
  SOURCE_PATTERN,
  serializedSize,
  sourceFor,
  TRACEPARENT_PATTERN,
  TYPE_PATTERN,
} from './envelope';
export {
  agbCodeSchema,
  bsnSchema,
  gemeentecodeSchema,
  isAgbCode,
  isBsn,
  isGemeentecode,
  isIsoDate,
  isOin,
  isoDateSchema,
  isUuid,
  isWmoProductcategorie,
  oinPrefixes,
  oinProblem,
  oinSchema,
  passesElfproef,
  productcategorieSchema,
  productcodeSchema,
  referenceUrlSchema,
  toewijzingNummerSchema,
  uuidSchema,
  type WmoProductcategorie,
  wmoProductcategorieen,
} from './identifiers';
export { toJsonSchema } from './json-schema';
export {
  type ActieverzoekStatus,
  actieverzoekStatussen,
  deelnameEigenaren,
  deelnameEigenarenPerDomein,
  type Termijnsoort,
  termijnen,
  termijnsoorten,
  toegangsniveaus,
  vertrouwelijkheden,
} from './ketens';
export { type Procedure, procedures } from './omgevingswet';
export {
  type CaseDomain,
  caseDomains,
  type EventDomain,
  eventDomains,
  type ParticipantRole,
  type PublisherRole,
  participantRoles,
  publisherRoles,
} from './roles';
export { brokenTextViolation } from './text';
export {
  toViolations,
  type ValidateOptions,
  type ValidationResult,
  type Violation,
  validateEnvelope,
  validateEvent,
  validateEventOf,
} from './validate';
export {
  fromKafkaRecord,
  type IncomingHeaderValue,
  type IncomingKafkaRecord,
  type KafkaRecord,
  kafkaHeadersOf,
  readKafkaRecord,
  toKafkaRecord,
} from './wire';
export { omvangSchema, retourPairs, wmoEenheden, wmoFrequenties } from './wmo';
export { type Sectie, secties, type Zichtbaarheid } from './zichtbaarheid';
