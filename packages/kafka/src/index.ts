/**
 * The hub's only door to Kafka: every other package talks to these functions and types, so the
 * client library (kafkajs today) can be replaced in one place.
 */
export {
  type AdapterLogger,
  createKafkaClient,
  defaultRetry,
  type KafkaClient,
  type KafkaSettings,
  type ProducerLibrary,
  parseBrokers,
  type RetrySettings,
  type SaslMechanism,
  type SaslSettings,
  type TlsSettings,
} from './client';
export {
  ack,
  type BatchOutcome,
  type ConsumedRecord,
  type ConsumerOptions,
  type RecordBatch,
  type RunningConsumer,
  runConsumer,
  stop,
} from './consumer';
export {
  checkKafkaSecurityEnv,
  KafkaEnvError,
  type KafkaSecurityEnv,
  kafkaSecurityEnv,
  kafkaSettingsFromEnv,
} from './env';
export { isKafkaAccessDenied, kafkaErrorCode, type RefusalCode } from './errors';
export { decodeAllRecords, decodeOnlyRecordsWith } from './kafkajs-records';
export { keepConsumerRunning, type RestartingConsumer } from './keep-running';
export { LibraryPatchError } from './library-patches';
export {
  createPublisher,
  defaultProducerLibrary,
  type OutgoingRecord,
  type PublishedRecord,
  type Publisher,
  type PublisherOptions,
  PublishRefusedError,
  PublishTimeoutError,
} from './publisher';
export { followStateTopic, type StateTopicFollower } from './state-topic';
export {
  caseEventTopic,
  deleteConsumerGroup,
  deleteTopics,
  type EnsureTopicsOptions,
  ensureTopics,
  groupOffsets,
  type PartitionOffsets,
  stateTopic,
  subscriptionsTopicName,
  systemsTopicName,
  type TopicSpec,
  topicOffsets,
} from './topics';
