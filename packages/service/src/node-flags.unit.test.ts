import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { serviceNodeFlags } from './node-flags';

const root = fileURLToPath(new URL('../../../', import.meta.url));
// The hub's services (docker-compose runs each); connectors (services/connectors/*) are optional
// parts an integrator adds, so they have a start script but no compose block of their own.
const services = readdirSync(`${root}services`).filter((s) =>
  existsSync(`${root}services/${s}/package.json`),
);
const connectors = readdirSync(`${root}services/connectors`).map((c) => `connectors/${c}`);

// The flags are repeated as literals where no TypeScript runs (npm scripts, docker-compose); this
// keeps those copies from drifting away from the constant `npm start` and the benchmarks use.
describe('service node flags', () => {
  test('some service has flags (the test would pass vacuously otherwise)', () => {
    expect(services.some((s) => serviceNodeFlags(s).length > 0)).toBe(true);
  });

  test("each service's npm start script passes exactly its flags", () => {
    expect(services.length).toBeGreaterThan(2);
    for (const service of [...services, ...connectors]) {
      const pkg = JSON.parse(readFileSync(`${root}services/${service}/package.json`, 'utf8')) as {
        scripts?: { start?: string };
      };
      const passed = (pkg.scripts?.start ?? '').split(' ').filter((a) => a.startsWith('--max-'));
      expect(passed, service).toEqual([...serviceNodeFlags(service)]);
    }
  });

  test("the projection's rebuild CLI and its catch-up benchmark pass the rebuild flags", () => {
    const pkg = JSON.parse(readFileSync(`${root}services/projection/package.json`, 'utf8')) as {
      scripts: Record<string, string>;
    };
    const flagsOf = (script: string | undefined) =>
      (script ?? '').split(' ').filter((a) => a.startsWith('--max-'));
    expect(serviceNodeFlags('projection:rebuild').length).toBeGreaterThan(0);
    expect(flagsOf(pkg.scripts.rebuild)).toEqual([...serviceNodeFlags('projection:rebuild')]);
    expect(flagsOf(pkg.scripts['bench:catchup'])).toEqual([...serviceNodeFlags('projection:rebuild')]);
  });

  test('docker-compose gives each service its flags in NODE_OPTIONS', () => {
    const compose = readFileSync(`${root}docker-compose.yml`, 'utf8');
    for (const service of services) {
      const block = compose.split(/\n {2}(?=\S)/).find((b) => b.startsWith(`${service}:`));
      expect(block, service).toBeDefined();
      const options = /NODE_OPTIONS: "([^"]*)"/.exec(block ?? '')?.[1] ?? '';
      expect(options.split(' ').filter(Boolean), service).toEqual([...serviceNodeFlags(service)]);
    }
  });
});
