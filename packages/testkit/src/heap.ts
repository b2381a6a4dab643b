import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A full, synchronous garbage collection of this process, for benchmarks before a measured phase.
 * Preparing a phase (building request bodies, COPY rows, producing events) leaves hundreds of MB
 * of garbage; without this, V8's background threads mark and sweep it during the phase, on the
 * cores the system under test and its baseline need, and the figures move with the benchmark's own
 * heap settings.
 */
export function settleHeap(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
}
