import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually, freePort, type HubProcesses } from './hub';

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
