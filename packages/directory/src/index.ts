/**
 * @ketenhub/directory: registered systems as the registry publishes them on
 * `<prefix>ketenhub.registry.systems` (compacted): the record's schema, an in-memory directory
 * keyed by id, token hash and OIN + name, and the follower that fills it.
 */
export {
  type DirectoryConsumer,
  type DirectoryListener,
  SystemDirectory,
  startDirectoryConsumer,
} from './directory';
export {
  type KnownSystem,
  type SystemRecord,
  systemRecordSchema,
  systemsTopic,
  systemsTopicName,
  toKnownSystem,
} from './system-record';
