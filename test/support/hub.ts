import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root. */
export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export type ServiceName = 'registry' | 'gateway' | 'projection' | 'dispatcher';

/** The variable each service reads its port from. */
export const portVar: Record<ServiceName, string> = {
  registry: 'REGISTRY_PORT',
  gateway: 'GATEWAY_PORT',
  projection: 'PROJECTION_PORT',
  dispatcher: 'DISPATCHER_PORT',
};

/** A free TCP port on 127.0.0.1 (the OS picks; the tiny race until the service binds is acceptable in tests). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface RunningService {
  name: ServiceName;
  url: string;
  process: ChildProcess;
  /** stdout+stderr so far, for failure messages. */
  output(): string;
}

/**
 * The hub as separate processes, the way `npm start` runs it, isolated by its own database and
 * topic prefix so it can share the broker and PostgreSQL server with other tests.
 */
export class HubProcesses {
  readonly adminToken = `kha_${randomBytes(24).toString('hex')}`;
  readonly devSecret = randomBytes(32).toString('hex');
  readonly topicPrefix = `e2e-${randomBytes(4).toString('hex')}.`;
  private readonly running = new Map<ServiceName, RunningService>();
  private readonly ports = new Map<ServiceName, number>();

  constructor(
    private readonly databaseUrl: string,
    private readonly kafkaBrokers: string,
    private readonly extraEnv: Record<string, string> = {},
  ) {}

  url(name: ServiceName): string {
    const svc = this.running.get(name);
    if (!svc) throw new Error(`${name} is not running`);
    return svc.url;
  }

  async start(name: ServiceName): Promise<RunningService> {
    const port = this.ports.get(name) ?? (await freePort());
    this.ports.set(name, port);
    let output = '';
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(root, 'services', name, 'src', 'index.ts')],
      {
        cwd: root,
        env: {
          ...process.env,
          NODE_ENV: 'production',
          DATABASE_URL: this.databaseUrl,
          KAFKA_BROKERS: this.kafkaBrokers,
          KAFKA_TOPIC_PREFIX: this.topicPrefix,
          KAFKA_PARTITIONS: '3',
          KETENHUB_ADMIN_TOKEN: this.adminToken,
          KETENHUB_DEV_TOKENS: 'true',
          KETENHUB_DEV_TOKEN_SECRET: this.devSecret,
          LOG_LEVEL: 'warn',
          [portVar[name]]: String(port),
          ...this.extraEnv,
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
    const svc: RunningService = {
      name,
      url: `http://127.0.0.1:${port}`,
      process: child,
      output: () => output,
    };
    this.running.set(name, svc);
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${output}`);
      try {
        const res = await fetch(`${svc.url}/health/ready`, { signal: AbortSignal.timeout(1_000) });
        if (res.ok) return svc;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`${name} not ready in 90 s:\n${output}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** SIGKILL: no shutdown hook runs, nothing is flushed; what survives is what was committed. */
  async kill(name: ServiceName): Promise<void> {
    const svc = this.running.get(name);
    if (!svc) return;
    this.running.delete(name);
    if (svc.process.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      svc.process.once('exit', () => resolve());
      svc.process.kill('SIGKILL');
    });
  }

  /** SIGTERM and wait: the graceful path `npm start` and orchestrators use. */
  async stop(name: ServiceName): Promise<number | null> {
    const svc = this.running.get(name);
    if (!svc) return null;
    this.running.delete(name);
    if (svc.process.exitCode !== null) return svc.process.exitCode;
    return new Promise((resolve) => {
      const timer = setTimeout(() => svc.process.kill('SIGKILL'), 20_000);
      svc.process.once('exit', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
      svc.process.kill('SIGTERM');
    });
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.running.keys()].map((n) => this.stop(n)));
  }
}

export async function json<T>(res: Response): Promise<T> {
  const text = await res.text();
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Error(`not JSON (HTTP ${res.status}): ${text.slice(0, 300)}`);
  }
}

export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 60_000,
  lastSeen?: () => string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${lastSeen ? `; last seen: ${lastSeen()}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * The body of a file-scoped `hub` fixture: starts the services (in order) as processes over the
 * test's database and broker, hands the hub to the tests, and stops every service afterwards.
 */
export async function runHub(
  fixtures: { testDb: { url: string }; kafka: { brokers: string } },
  services: ServiceName[],
  use: (hub: HubProcesses) => Promise<void>,
  env: Record<string, string> = {},
): Promise<void> {
  const hub = new HubProcesses(fixtures.testDb.url, fixtures.kafka.brokers, env);
  try {
    for (const name of services) await hub.start(name);
    await use(hub);
  } finally {
    await hub.stopAll();
  }
}

/**
 * Publishes through the gateway until it answers 202 (an array as one batch): a system registered
 * a moment ago is known to the gateway only once the registry's state topic has reached it.
 */
export async function publishAccepted(
  hub: HubProcesses,
  token: string,
  events: unknown,
  what: string,
): Promise<void> {
  await eventually(async () => {
    const res = await fetch(`${hub.url('gateway')}/events`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': Array.isArray(events)
          ? 'application/cloudevents-batch+json'
          : 'application/cloudevents+json',
      },
      body: JSON.stringify(events),
    });
    return res.status === 202 ? true : undefined;
  }, what);
}
