import { defineConfig } from 'vitest/config';

const exclude = ['**/node_modules/**', '**/dist/**', 'infra/kafka/**'];

/**
 * Three tiers, told apart by file name (STYLE.md #11):
 * - unit: `*.unit.test.ts`, pure code, no services;
 * - int:  `*.int.test.ts`, real Kafka and PostgreSQL from the global setup;
 * - e2e:  `test/**\/*.e2e.test.ts`, the whole hub as processes.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['**/*.unit.test.ts'],
          exclude,
          // Pure code, but some tests are CPU-bound (parsing the AsyncAPI documents, 300 random
          // Produce requests): 1-3 s on an idle machine, past vitest's 5 s on a loaded CI machine.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'int',
          include: ['**/*.int.test.ts'],
          exclude,
          globalSetup: ['packages/testkit/src/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // Two cores: more workers only make Kafka and PostgreSQL share them worse.
          maxWorkers: 2,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/**/*.e2e.test.ts'],
          exclude,
          globalSetup: ['packages/testkit/src/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 240_000,
          maxWorkers: 1,
        },
      },
    ],
  },
});
