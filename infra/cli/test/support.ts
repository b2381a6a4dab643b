import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The repository's root and the CLI's bin, as `npx ketenhub` runs it. */
export const root = fileURLToPath(new URL('../../../', import.meta.url));
export const bin = fileURLToPath(new URL('../bin/ketenhub.mjs', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout as the one JSON document `--json` promises. */
  json<T = Json>(): T;
}

// biome-ignore lint/suspicious/noExplicitAny: assertions read arbitrary JSON answers
export type Json = Record<string, any>;

/** Runs `ketenhub <args>` as a child process (the bin, through tsx) and waits for it to exit. */
export function runCli(args: string[], env: Record<string, string>, timeoutMs = 120_000): Promise<CliRun> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ketenhub ${args.join(' ')} did not end in ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (process.env.KETENHUB_CLI_TIMING)
        process.stderr.write(`[cli ${Date.now() - t0} ms] ${args.join(' ')}\n`);
      resolve({
        code,
        stdout,
        stderr,
        json<T>() {
          try {
            return JSON.parse(stdout) as T;
          } catch {
            throw new Error(
              `ketenhub ${args.join(' ')}: stdout is not JSON (exit ${code}):\n${stdout}\n${stderr}`,
            );
          }
        },
      });
    });
  });
}

/** A free TCP port on 127.0.0.1 (the OS picks; the race until someone binds it is acceptable in tests). */
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

export type ServiceName = 'registry' | 'gateway' | 'projection' | 'dispatcher';

const portVar: Record<ServiceName, string> = {
  registry: 'REGISTRY_PORT',
  gateway: 'GATEWAY_PORT',
  projection: 'PROJECTION_PORT',
  dispatcher: 'DISPATCHER_PORT',
};

const urlVar: Record<ServiceName, string> = {
  registry: 'KETENHUB_REGISTRY_URL',
  gateway: 'KETENHUB_GATEWAY_URL',
  projection: 'KETENHUB_PROJECTION_URL',
  dispatcher: 'KETENHUB_DISPATCHER_URL',
};

export interface RunningService {
  url: string;
  process: ChildProcess;
  output(): string;
}

/**
 * One test's hub: its database, topic prefix and secrets, the services it started as processes
 * (as `npm start` runs them), and the environment the CLI gets to talk to exactly these. Services
 * not started get a port nobody listens on, so a hub running on this machine's default ports is
 * never asked.
 */
export class TestHub {
  readonly adminToken = `kha_${randomBytes(24).toString('hex')}`;
  readonly devSecret = randomBytes(32).toString('hex');
  private readonly ports = new Map<ServiceName, number>();
  private readonly running = new Map<ServiceName, RunningService>();

  constructor(
    readonly databaseUrl: string,
    readonly brokers: string,
    /** With the trailing dot, e.g. `t-ab12cd.` (the services append `wmo`). */
    readonly topicPrefix: string,
  ) {}

  static async create(databaseUrl: string, brokers: string, topicPrefix: string): Promise<TestHub> {
    const hub = new TestHub(databaseUrl, brokers, topicPrefix);
    for (const name of Object.keys(portVar) as ServiceName[]) hub.ports.set(name, await freePort());
    return hub;
  }

  url(name: ServiceName): string {
    return `http://127.0.0.1:${this.ports.get(name)}`;
  }

  /** What every process of this hub shares (the services' and the CLI's environment). */
  get env(): Record<string, string> {
    return {
      DATABASE_URL: this.databaseUrl,
      KAFKA_BROKERS: this.brokers,
      KAFKA_TOPIC_PREFIX: this.topicPrefix,
      KETENHUB_ADMIN_TOKEN: this.adminToken,
      ...Object.fromEntries((Object.keys(urlVar) as ServiceName[]).map((n) => [urlVar[n], this.url(n)])),
    };
  }

  /** Runs the CLI against this hub; `undefined` in `extra` leaves a variable out. */
  cli(args: string[], extra: Record<string, string | undefined> = {}): Promise<CliRun> {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...this.env, ...extra })) if (v !== undefined) env[k] = v;
    return runCli(args, env);
  }

  async start(name: ServiceName, extra: Record<string, string> = {}): Promise<RunningService> {
    let output = '';
    const child = spawn(process.execPath, ['--import', 'tsx', `services/${name}/src/index.ts`], {
      cwd: root,
      env: {
        ...process.env,
        NODE_ENV: 'production',
        ...this.env,
        KAFKA_PARTITIONS: '3',
        KETENHUB_DEV_TOKENS: 'true',
        KETENHUB_DEV_TOKEN_SECRET: this.devSecret,
        KETENHUB_WEBHOOK_LOCAL_HTTP: 'true',
        LOG_LEVEL: 'warn',
        [portVar[name]]: String(this.ports.get(name)),
        ...extra,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    const svc: RunningService = { url: this.url(name), process: child, output: () => output };
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
      await sleep(250);
    }
  }

  /** SIGTERM and wait (the graceful path). */
  async stop(name: ServiceName): Promise<void> {
    const svc = this.running.get(name);
    if (!svc) return;
    this.running.delete(name);
    if (svc.process.exitCode !== null || svc.process.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => svc.process.kill('SIGKILL'), 20_000);
      svc.process.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      svc.process.kill('SIGTERM');
    });
  }

  /** Every started service's output so far, for a failure message. */
  outputs(): string {
    return [...this.running].map(([name, svc]) => `--- ${name}\n${svc.output().slice(-4_000)}`).join('\n');
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.running.keys()].map((n) => this.stop(n)));
  }

  /** Operator call to a running service. */
  async call(
    name: ServiceName,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: Json }> {
    const res = await fetch(`${this.url(name)}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.adminToken}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as Json };
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until<T>(
  probe: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

export interface Receiver {
  url: string;
  /** Event ids of the deliveries answered 2xx, in arrival order. */
  accepted: string[];
  /** The `webhook-id` each accepted delivery came with, in the same order. */
  webhookIds: string[];
  /** Decides each answer by event id (default 204). */
  answer: (eventId: string) => number;
  close(): Promise<void>;
}

/** A webhook receiver on a local port that consents to the handshake and answers by event id. */
export async function startReceiver(): Promise<Receiver> {
  const receiver: Receiver = {
    url: '',
    accepted: [],
    webhookIds: [],
    answer: () => 204,
    close: async () => undefined,
  };
  const server = createHttpServer((req, res) => {
    if (req.method === 'OPTIONS') {
      // The CloudEvents webhook handshake the registry makes before it accepts the URL: consent.
      res.setHeader('webhook-allowed-origin', String(req.headers['webhook-request-origin'] ?? '*'));
      res.end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string };
      const status = receiver.answer(event.id);
      if (status < 300) {
        receiver.accepted.push(event.id);
        receiver.webhookIds.push(String(req.headers['webhook-id']));
      }
      res.statusCode = status;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  receiver.url = `http://127.0.0.1:${port}/webhook`;
  receiver.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return receiver;
}
