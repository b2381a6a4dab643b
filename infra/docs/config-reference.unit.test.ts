import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { documentSchema, envModules, outputPath, render, sections } from './config-reference';

describe('configuration reference (docs/configuration.md)', () => {
  test('is what the env schemas say now (run `npm run docs:config` after changing one)', () => {
    expect(readFileSync(outputPath, 'utf8')).toBe(render());
  });

  test('covers every service that has an env module', () => {
    const documented = new Set(sections.map((s) => s.file));
    expect(envModules().length).toBeGreaterThan(3);
    for (const file of envModules()) expect(documented.has(file), file).toBe(true);
  });

  test('finds the variables, their defaults and comments, and the shared groups a service extends', () => {
    const registry = documentSchema('services/registry/src/env.ts', 'registryEnv');
    expect(registry.includes).toEqual(
      expect.arrayContaining(['commonEnv', 'kafkaSecurityEnv', 'webhookEnv']),
    );
    expect(registry.variables.find((v) => v.name === 'REGISTRY_PORT')).toMatchObject({ default: '8082' });
    expect(registry.variables.find((v) => v.name === 'KETENHUB_ADMIN_TOKEN')).toMatchObject({
      default: '**required**',
      meaning: expect.stringContaining('Operator token'),
    });
    const common = documentSchema('packages/service/src/env.ts', 'commonEnv');
    expect(common.variables.map((v) => v.name)).toContain('KAFKA_BROKERS');
    for (const section of sections) {
      const { variables } = documentSchema(section.file, section.schema);
      expect(variables.length, section.file).toBeGreaterThan(0);
      for (const v of variables)
        expect(v.meaning, `${section.file} ${v.name} has no doc comment`).not.toBe('');
    }
  });
});
