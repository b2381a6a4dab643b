import { createDatabase } from '@ketenhub/db';
import { createTestDatabase } from '@ketenhub/db/testing';
import { createKafkaClient, deleteTopics, type KafkaClient, parseBrokers } from '@ketenhub/kafka';
import { uniqueName } from '@ketenhub/kafka/testing';
import type { Kysely } from 'kysely';
import './provided';
import { test as base, inject } from 'vitest';

export interface TestDb {
  /** URL of this file's own database. */
  url: string;
  /** A pool on it; closed when the file ends. */
  db: Kysely<unknown>;
}

export interface KafkaFixture {
  brokers: string;
  client: KafkaClient;
}

export interface TopicNamer {
  /** Topic name under this test's prefix; recorded for cleanup. */
  (name: string): string;
  readonly prefix: string;
}

export interface Fixtures {
  /** This test's own prefix: topics and groups named with it never meet another test's. */
  prefix: string;
  topic: TopicNamer;
  groupId: string;
}

export interface FileFixtures {
  testDb: TestDb;
}

export interface WorkerFixtures {
  kafka: KafkaFixture;
}

/**
 * `test` with real-service fixtures:
 * - `kafka` (per worker): brokers from the global setup and a client;
 * - `testDb` (per file): a fresh database, dropped at the end of the file;
 * - `prefix`, `topic(name)`, `groupId` (per test): names unique to the test; its topics are
 *   deleted after it.
 */
export const test = base.extend<Fixtures & FileFixtures & WorkerFixtures>({
  kafka: [
    // biome-ignore lint/correctness/noEmptyPattern: vitest reads fixture dependencies from the pattern
    async ({}, use) => {
      const brokers = inject('kafkaBrokers');
      await use({
        brokers,
        client: createKafkaClient({ brokers: parseBrokers(brokers), clientId: 'ketenhub-test' }),
      });
    },
    { scope: 'worker' },
  ],
  testDb: [
    // biome-ignore lint/correctness/noEmptyPattern: vitest reads fixture dependencies from the pattern
    async ({}, use) => {
      const created = await createTestDatabase(inject('postgresUrl'), 'test');
      const db = createDatabase<unknown>({ url: created.url, maxConnections: 5 });
      try {
        await use({ url: created.url, db });
      } finally {
        await db.destroy();
        await created.drop();
      }
    },
    { scope: 'file' },
  ],
  // biome-ignore lint/correctness/noEmptyPattern: vitest reads fixture dependencies from the pattern
  prefix: async ({}, use) => {
    await use(uniqueName('t'));
  },
  topic: async ({ prefix, kafka }, use) => {
    const created: string[] = [];
    const namer = Object.assign(
      (name: string) => {
        const full = `${prefix}.${name}`;
        created.push(full);
        return full;
      },
      { prefix },
    );
    await use(namer);
    await deleteTopics(kafka.client, created).catch(() => undefined);
  },
  groupId: async ({ prefix }, use) => {
    await use(`${prefix}-group`);
  },
});

export { describe, expect } from 'vitest';
