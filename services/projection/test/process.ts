import { fileURLToPath } from 'node:url';
import { type Child, spawnTs } from '@ketenhub/testkit/process';

export type { Child };

/** The service folder (children run from here with the tsx loader, as `npm start` does). */
export const serviceDir = fileURLToPath(new URL('..', import.meta.url));

/** Runs a TypeScript entry of this service as its own process. */
export function runTs(entry: string, env: Record<string, string>, args: string[] = []): Child {
  return spawnTs({ cwd: serviceDir, entry, env, args });
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
