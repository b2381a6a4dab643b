import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { serviceNodeFlags } from './node-flags';

const root = fileURLToPath(new URL('../../../', import.meta.url));

// The flags are repeated as literals where no TypeScript runs (the Dockerfile, npm scripts); this
// keeps those copies from drifting away from the constant the benchmarks and `npm start` use.
describe('service node flags', () => {
  test('the Dockerfile runs every service with them', () => {
    const cmd = readFileSync(`${root}infra/docker/Dockerfile`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('CMD'));
    for (const flag of serviceNodeFlags) expect(cmd).toContain(flag);
  });

  test("each service's npm start script passes them", () => {
    const services = readdirSync(`${root}services`);
    expect(services.length).toBeGreaterThan(2);
    for (const service of services) {
      const pkg = JSON.parse(readFileSync(`${root}services/${service}/package.json`, 'utf8')) as {
        scripts?: { start?: string };
      };
      for (const flag of serviceNodeFlags) expect(pkg.scripts?.start, service).toContain(flag);
    }
  });
});
