import { type ChildProcess, spawn } from 'node:child_process';

export interface Child {
  proc: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs a TypeScript entry as its own node process with the tsx loader, as `npm start` does. Its pid
 * is node itself (no npm or shell in between), so a SIGKILL in a crash test lands at once.
 */
export function spawnTs(options: {
  cwd: string;
  entry: string;
  env: Record<string, string>;
  args?: string[];
}): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', options.entry, ...(options.args ?? [])], {
    cwd: options.cwd,
    env: { ...process.env, NODE_ENV: 'production', ...options.env },
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
