import { type OutgoingRecord, stateTopic, systemsTopicName, type TopicSpec } from '@ketenhub/kafka';
import { sourceOf } from './system';
import type { SystemRow } from './systems.table';

/**
 * How the gateway learns systems without reading the registry's tables (ARCHITECTURE.md: no service
 * reads another's tables): the registry writes each system's full current state as one record on a
 * compacted topic, key = system id. Compaction keeps the last record per system forever, so a
 * gateway starting from the beginning always rebuilds the complete directory, however old.
 *
 * The record format is a contract between registry and gateway (the gateway parses it with its own
 * schema in services/gateway/src/systems/system-record.ts); change both together, bump `version`.
 */
export interface SystemStateRecord {
  version: 1;
  id: string;
  oin: string;
  name: string;
  source: string;
  roles: string[];
  domains: string[];
  publishes: string[];
  consumes: string[];
  kafkaNative: boolean;
  /** SHA-256 (hex) of the current token; null once revoked (nothing may authenticate as it). */
  tokenSha256: string | null;
  revoked: boolean;
  updatedAt: string;
}

export { systemsTopicName };

/** A registry state topic: the one spec in @ketenhub/kafka, shared by every service that reads one. */
export const stateTopicSpec = (name: string): TopicSpec => stateTopic(name);

export const systemsTopicSpec = (prefix: string): TopicSpec => stateTopicSpec(systemsTopicName(prefix));

export function stateRecord(row: SystemRow): SystemStateRecord {
  const revoked = row.revoked_at !== null;
  return {
    version: 1,
    id: row.id,
    oin: row.oin,
    name: row.name,
    source: sourceOf(row.oin, row.name),
    roles: row.roles,
    domains: row.domains,
    publishes: row.publishes,
    consumes: row.consumes,
    kafkaNative: row.kafka_native,
    tokenSha256: revoked ? null : row.token_sha256,
    revoked,
    updatedAt: row.updated_at.toISOString(),
  };
}

export function stateKafkaRecord(prefix: string, row: SystemRow): OutgoingRecord {
  return {
    topic: systemsTopicName(prefix),
    key: row.id,
    value: JSON.stringify(stateRecord(row)),
    headers: { 'content-type': 'application/json', 'ketenhub-record': 'system-state.v1' },
  };
}
