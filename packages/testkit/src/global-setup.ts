import './provided';
import { provisionPostgres } from '@ketenhub/db/testing';
import { provisionKafka } from '@ketenhub/kafka/testing';
import type { TestProject } from 'vitest/node';

/**
 * Runs once per vitest run (not per file): real Kafka and PostgreSQL are provisioned here and
 * their addresses handed to every worker; isolation per file and per test is done cheaply by
 * the fixtures (a database per file, a topic prefix and group per test).
 */
export default async function setup(project: TestProject) {
  const [kafka, postgres] = await Promise.all([provisionKafka(), provisionPostgres()]);
  project.provide('kafkaBrokers', kafka.brokers);
  project.provide('postgresUrl', postgres.url);
  return async () => {
    await Promise.all([kafka.stop(), postgres.stop()]);
  };
}
