import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  selfSignedCertificate,
  startZgwServer,
  voorbeeldCatalogus,
  voorbeeldConfig,
  voorbeeldPublishes,
} from '@ketenhub/connector-zgw/testing';
import { expect } from '@ketenhub/testkit';
import { eventually, freePort, type HubProcesses, json } from './hub';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The ZGW connector (services/connectors/zgw) as a process of its own beside the hub's, as an
 * integrator runs it: only the registry's and the gateway's public APIs between them.
 */
export async function startConnector(
  hub: HubProcesses,
  databaseUrl: string,
  config: unknown,
  operatorToken: string,
) {
  const port = await freePort();
  let output = '';
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', join(root, 'services', 'connectors', 'zgw', 'src', 'index.ts')],
    {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        ZGW_PORT: String(port),
        ZGW_OPERATOR_TOKEN: operatorToken,
        ZGW_GATEWAY_URL: hub.url('gateway'),
        ZGW_CONFIG: JSON.stringify(config),
        ZGW_POLL_MS: '100',
        ZGW_RETRY_BASE_MS: '200',
        ZGW_RETRY_MAX_MS: '2000',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const url = `http://127.0.0.1:${port}`;
  await eventually(async () => {
    if (child.exitCode !== null) throw new Error(`connector exited with ${child.exitCode}:\n${output}`);
    try {
      return (await fetch(`${url}/health/ready`)).ok ? true : undefined;
    } catch {
      return undefined;
    }
  }, 'the ZGW connector ready');
  return {
    url,
    output: () => output,
    operator: (path: string, init: RequestInit = {}) =>
      fetch(`${url}${path}`, {
        ...init,
        headers: {
          authorization: `Bearer ${operatorToken}`,
          'content-type': 'application/json',
          ...init.headers,
        },
      }),
    stop: () =>
      new Promise<number | null>((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill('SIGTERM');
      }),
  };
}

/**
 * A municipality's Open Zaak connected to the hub as an integrator does it: its hub system registered
 * with what the connector says it needs, a ZGW installation over https (the test server), and the
 * connector started with the example configuration (docs/zgw.md). `close` stops all three.
 */
export async function connectOpenZaak(
  hub: HubProcesses,
  databaseUrl: string,
  o: { oin: string; callbackAuth: string; operatorToken: string },
) {
  const registered = await fetch(`${hub.url('registry')}/systems`, {
    method: 'POST',
    headers: { authorization: `Bearer ${hub.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      oin: o.oin,
      name: 'openzaak',
      roles: ['gemeente', 'bevoegd-gezag'],
      domains: ['wmo', 'omgevingswet'],
      publishes: voorbeeldPublishes,
    }),
  });
  expect(registered.status, await registered.clone().text()).toBe(201);
  const system = await json<{ token: string; source: string }>(registered);
  const certificate = selfSignedCertificate();
  const secret = randomBytes(16).toString('hex');
  const zgw = await startZgwServer({ certificate, clientId: 'ketenhub', secret });
  const catalogus = voorbeeldCatalogus(zgw);
  const config = voorbeeldConfig(
    {
      zgw,
      certFile: certificate.certFile,
      clientId: 'ketenhub',
      secret,
      callbackAuth: o.callbackAuth,
      hub: { oin: o.oin, systeem: 'openzaak', token: system.token },
    },
    catalogus,
  );
  const connector = await startConnector(hub, databaseUrl, config, o.operatorToken);
  return {
    system,
    zgw,
    catalogus,
    connector,
    async close() {
      await connector.stop();
      await zgw.close();
      certificate.remove();
    },
  };
}
