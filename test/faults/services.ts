import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { freePort, portVar, root, type ServiceName } from '../support/hub';

/** Every child process the suite started and has not seen exit: killed on any way out. */
export const children = new Set<ChildProcess>();

export function killAllChildren(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

interface Instance {
  process: ChildProcess;
  exited: Promise<void>;
  /** Set by kill() and stop(): an exit the suite asked for. */
  expected: boolean;
  /** The instance's last output lines, for the report of an exit nobody asked for. */
  tail: string[];
}

/** A service process that ended without the suite killing or stopping it: a finding. */
export interface Crash {
  name: ServiceName;
  at: number;
  code: number | null;
  signal: string | null;
  /** The last lines it wrote (the error). */
  lines: string[];
}

/**
 * The hub's four services as processes on fixed ports (a restarted service keeps its port, as
 * behind a load balancer), each with its own environment (its own Kafka principal on a secured
 * cluster). Output of every instance goes to `<logDir>/<service>.log`.
 */
export class Services {
  private readonly instances = new Map<ServiceName, Instance>();
  private readonly ports = new Map<ServiceName, number>();
  private readonly logs = new Map<ServiceName, WriteStream>();
  /** Instances started per service (the first start included). */
  readonly starts = new Map<ServiceName, number>();
  /** Exits nobody asked for. */
  readonly crashes: Crash[] = [];

  constructor(
    private readonly env: (name: ServiceName) => Record<string, string>,
    private readonly logDir: string,
  ) {}

  url(name: ServiceName): string {
    const port = this.ports.get(name);
    if (!port) throw new Error(`${name} was never started`);
    return `http://127.0.0.1:${port}`;
  }

  running(name: ServiceName): boolean {
    const i = this.instances.get(name);
    return i !== undefined && i.process.exitCode === null && i.process.signalCode === null;
  }

  /** Starts the service (if it does not run) and waits until `/health/ready` answers 200. */
  async start(name: ServiceName, readyTimeoutMs = 120_000): Promise<void> {
    if (!this.running(name)) this.spawn(name);
    await this.waitReady(name, readyTimeoutMs);
  }

  spawn(name: ServiceName): void {
    const port = this.ports.get(name) ?? 0;
    if (!port) throw new Error('call assignPorts() first');
    let log = this.logs.get(name);
    if (!log) {
      log = createWriteStream(join(this.logDir, `${name}.log`), { flags: 'a' });
      this.logs.set(name, log);
    }
    const n = (this.starts.get(name) ?? 0) + 1;
    this.starts.set(name, n);
    log.write(`\n===== ${new Date().toISOString()} start #${n}\n`);
    const nodeFlags = name === 'gateway' ? ['--max-semi-space-size=64'] : [];
    const child = spawn(
      process.execPath,
      [...nodeFlags, '--import', 'tsx', join(root, 'services', name, 'src', 'index.ts')],
      {
        cwd: root,
        env: { ...process.env, NODE_ENV: 'production', ...this.env(name), [portVar[name]]: String(port) },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    children.add(child);
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    const tail: string[] = [];
    const keep = (d: Buffer) => {
      tail.push(
        ...d
          .toString()
          .split('\n')
          .filter((l) => l.trim() !== ''),
      );
      if (tail.length > 40) tail.splice(0, tail.length - 40);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const instance: Instance = { process: child, exited: Promise.resolve(), expected: false, tail };
    instance.exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        children.delete(child);
        log?.write(`===== ${new Date().toISOString()} exit code=${code} signal=${signal}\n`);
        if (!instance.expected) this.crashes.push({ name, at: Date.now(), code, signal, lines: [...tail] });
        resolve();
      });
    });
    this.instances.set(name, instance);
  }

  async assignPorts(names: readonly ServiceName[]): Promise<void> {
    for (const name of names) if (!this.ports.has(name)) this.ports.set(name, await freePort());
  }

  async ready(name: ServiceName): Promise<boolean> {
    try {
      const res = await fetch(`${this.url(name)}/health/ready`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      return res.ok;
    } catch {
      return false;
    }
  }

  /** The readiness answer's body (which check fails), or the error. */
  async readiness(name: ServiceName): Promise<string> {
    try {
      const res = await fetch(`${this.url(name)}/health/ready`, { signal: AbortSignal.timeout(2_000) });
      return `HTTP ${res.status} ${(await res.text()).slice(0, 300)}`;
    } catch (error) {
      return String(error);
    }
  }

  async waitReady(name: ServiceName, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running(name)) throw new Error(`${name} exited before it was ready (see ${name}.log)`);
      if (await this.ready(name)) return;
      if (Date.now() > deadline)
        throw new Error(`${name} not ready in ${timeoutMs / 1000} s (see ${name}.log)`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** SIGKILL (kill -9): nothing is flushed, no shutdown hook runs. */
  async kill(name: ServiceName): Promise<void> {
    const i = this.instances.get(name);
    if (!i) return;
    this.instances.delete(name);
    i.expected = true;
    if (i.process.exitCode === null && i.process.signalCode === null) i.process.kill('SIGKILL');
    await i.exited;
  }

  /** SIGTERM, then SIGKILL after 15 s. */
  async stop(name: ServiceName): Promise<void> {
    const i = this.instances.get(name);
    if (!i) return;
    this.instances.delete(name);
    i.expected = true;
    if (i.process.exitCode === null && i.process.signalCode === null) {
      const timer = setTimeout(() => i.process.kill('SIGKILL'), 15_000);
      i.process.kill('SIGTERM');
      await i.exited;
      clearTimeout(timer);
    }
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.instances.keys()].map((n) => this.stop(n)));
    for (const log of this.logs.values()) log.end();
  }
}
