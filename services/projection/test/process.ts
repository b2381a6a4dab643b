import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The service folder (children run from here with the tsx loader, as `npm start` does). */
export const serviceDir = fileURLToPath(new URL('..', import.meta.url));

export interface Child {
  proc: ChildProcess;
  output(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs a TypeScript entry of this service as its own process (its pid is node itself, so SIGKILL is immediate). */
export function runTs(entry: string, env: Record<string, string>, args: string[] = []): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
    cwd: serviceDir,
    env: { ...process.env, NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  proc.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.on('exit', (code, signal) => resolve({ code, signal }));
  });
  return { proc, output: () => out, exited };
}

/** Port from the service's "projection listening" log line. */
export function listeningPort(output: string): number | undefined {
  for (const line of output.split('\n')) {
    if (!line.includes('projection listening')) continue;
    try {
      return (JSON.parse(line) as { port: number }).port;
    } catch {
      // not JSON
    }
  }
  return undefined;
}
