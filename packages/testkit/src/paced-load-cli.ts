/**
 * `pacedLoad` as a process of its own: `node --import tsx paced-load-cli.ts < spec.json` prints
 * the result as JSON on stdout. A benchmark that has just done heavy work in-process (a catch-up
 * of a million events leaves a big heap) measures latency from a fresh, small process instead:
 * otherwise its own garbage collection pauses delay the sends, and the open-loop clock counts
 * those delays as the service's latency.
 */
import { runJsonCli } from './json-cli';
import { pacedLoad } from './paced-load';

export interface PacedLoadSpec {
  url: string;
  rate: number;
  durationS: number;
  /** Run at the same rate first, not measured (JIT, caches, connections). */
  warmUpS?: number;
  connections: number;
  /** Request i goes to paths[i % paths.length]. */
  paths: string[];
  headers?: Record<string, string>;
}

runJsonCli(async (spec: PacedLoadSpec) => {
  const request = (i: number) => ({
    method: 'GET' as const,
    path: spec.paths[i % spec.paths.length] as string,
    headers: spec.headers ?? {},
  });
  const base = { url: spec.url, rate: spec.rate, connections: spec.connections, request };
  if (spec.warmUpS) await pacedLoad({ ...base, durationS: spec.warmUpS });
  return pacedLoad({ ...base, durationS: spec.durationS });
});
