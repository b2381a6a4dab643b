import { randomUUID } from 'node:crypto';
import {
  ensureTopics,
  type KafkaClient,
  type Publisher,
  PublishTimeoutError,
  type TopicSpec,
} from '@ketenhub/kafka';
import { AppError } from '@ketenhub/service';
import type { Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';
import { stateKafkaRecord } from './state-topic';
import { catalogViolations, type Registration, type System, systemTopics } from './system';
import {
  findSystem,
  insertSystem,
  listSystems,
  markRevoked,
  replaceToken,
  toSystem,
} from './systems.repository';
import type { RegistryDatabase, SystemRow } from './systems.table';
import { hashSystemToken, newSystemToken } from './token';

export interface SystemsDeps {
  db: Kysely<RegistryDatabase>;
  kafka: KafkaClient;
  publisher: Publisher;
  logger: Logger;
  topicPrefix: string;
  partitions: number;
  publishTimeoutMs: number;
  /**
   * Runs inside the revocation's transaction, after the system's own record is published: the
   * subscriptions feature republishes the system's subscriptions as revoked, so the dispatcher stops.
   */
  onRevoke?: (trx: Transaction<RegistryDatabase>, row: SystemRow) => Promise<void>;
}

export type SystemsService = ReturnType<typeof createSystemsService>;

/**
 * Registration, rotation and revocation. Every change is written to the table and to the compacted
 * state topic inside one database transaction: the record is published (acks=all) before the commit,
 * so a 2xx means the gateway will learn the change. When Kafka does not confirm, the transaction
 * rolls back and the operator gets 503 (a record that did land anyway describes a system the table
 * does not have; it carries a token nobody was shown, and the next start's republish overwrites it).
 */
export function createSystemsService(deps: SystemsDeps) {
  const publishState = async (row: SystemRow) => {
    try {
      await deps.publisher.publish([stateKafkaRecord(deps.topicPrefix, row)], {
        timeoutMs: deps.publishTimeoutMs,
      });
    } catch (error) {
      deps.logger.warn({ err: error, systemId: row.id }, 'system state not confirmed by Kafka');
      throw new AppError(
        'unavailable',
        'Kafka did not confirm the change in time; nothing was changed, retry',
        {
          retryAfterS: error instanceof PublishTimeoutError ? 5 : 2,
        },
      );
    }
  };

  const inTransaction = <T>(fn: (trx: Transaction<RegistryDatabase>) => Promise<T>) =>
    deps.db.transaction().execute(fn);

  const ensureSystemTopics = async (systemId: string) => {
    const topics = systemTopics(deps.topicPrefix, systemId);
    const specs: TopicSpec[] = [
      // Ingress holds records only until the gateway forwarded them; a week covers any outage.
      {
        name: topics.ingress,
        partitions: deps.partitions,
        configs: { 'retention.ms': String(7 * 86_400_000) },
      },
      // Rejects are the system's feedback; kept a month so it can look back at what went wrong.
      { name: topics.rejects, partitions: 1, configs: { 'retention.ms': String(30 * 86_400_000) } },
    ];
    try {
      await ensureTopics(deps.kafka, specs, { timeoutMs: deps.publishTimeoutMs * 2 });
    } catch (error) {
      deps.logger.warn({ err: error, systemId }, 'could not create ingress topics');
      throw new AppError(
        'unavailable',
        'Kafka could not create the ingress topics; nothing was changed, retry',
        {
          retryAfterS: 5,
        },
      );
    }
  };

  return {
    async register(registration: Registration): Promise<System & { token: string }> {
      const violations = catalogViolations(registration);
      if (violations.length > 0) {
        throw new AppError('invalid-request', 'the registration does not fit the event catalog', {
          violations,
        });
      }
      const token = newSystemToken();
      const id = randomUUID();
      const row = await inTransaction(async (trx) => {
        const inserted = await insertSystem(trx, {
          id,
          oin: registration.oin,
          name: registration.name,
          roles: registration.roles,
          domains: registration.domains,
          publishes: registration.publishes,
          consumes: registration.consumes,
          kafka_native: registration.kafkaNative,
          token_sha256: hashSystemToken(token),
        });
        if (!inserted) {
          throw new AppError(
            'conflict',
            `a system named ${registration.name} is already registered for this OIN`,
            {
              violations: [
                { field: 'name', rule: 'unique', message: 'name: already registered for this OIN' },
              ],
            },
          );
        }
        // Topics before the 201: a system is never told to produce to a topic that does not exist.
        if (inserted.kafka_native) await ensureSystemTopics(inserted.id);
        await publishState(inserted);
        return inserted;
      });
      deps.logger.info({ systemId: row.id, oin: row.oin, name: row.name }, 'system registered');
      return { ...toSystem(row), token };
    },

    async list(filter: { oin?: string }) {
      return (await listSystems(deps.db, filter)).map(toSystem);
    },

    async get(id: string) {
      const row = await findSystem(deps.db, id);
      if (!row) throw new AppError('not-found', `no system with id ${id}`);
      return toSystem(row);
    },

    async rotate(id: string): Promise<System & { token: string }> {
      const token = newSystemToken();
      const row = await inTransaction(async (trx) => {
        const current = await findSystem(trx, id, { forUpdate: true });
        if (!current) throw new AppError('not-found', `no system with id ${id}`);
        if (current.revoked_at) throw new AppError('conflict', 'the system is revoked; register a new one');
        const updated = await replaceToken(trx, id, hashSystemToken(token));
        await publishState(updated);
        return updated;
      });
      deps.logger.info({ systemId: id }, 'system token rotated');
      return { ...toSystem(row), token };
    },

    async revoke(id: string): Promise<System> {
      const row = await inTransaction(async (trx) => {
        const current = await findSystem(trx, id, { forUpdate: true });
        if (!current) throw new AppError('not-found', `no system with id ${id}`);
        // Revoking twice answers the same as once (an operator retrying after a timeout).
        if (current.revoked_at) return current;
        const updated = await markRevoked(trx, id, new Date());
        await publishState(updated);
        await deps.onRevoke?.(trx, updated);
        return updated;
      });
      deps.logger.info({ systemId: id }, 'system revoked');
      return toSystem(row);
    },

    /**
     * Writes every system's state again. Run on start: it heals a record lost in the window between
     * publish and commit, and a topic that was recreated. Records are idempotent (full state), so
     * repeating them is harmless; compaction drops the older copies.
     */
    async republishAll() {
      const rows = await listSystems(deps.db);
      for (let i = 0; i < rows.length; i += 500) {
        await deps.publisher.publish(
          rows.slice(i, i + 500).map((r) => stateKafkaRecord(deps.topicPrefix, r)),
        );
      }
      return rows.length;
    },
  };
}
