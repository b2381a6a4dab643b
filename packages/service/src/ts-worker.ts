import { Worker } from 'node:worker_threads';

/**
 * Starts a worker thread running a TypeScript module of this repo. The module reads its own input
 * from `workerData.data` (the entry passes `workerData.module` to import it). execArgv is empty on
 * purpose: V8 flags such as the semi-space size are refused in a worker's execArgv.
 */
export function startTsWorker(module: URL, data: unknown): Worker {
  return new Worker(new URL('./ts-worker-entry.mjs', import.meta.url), {
    workerData: { module: module.href, data },
    execArgv: [],
  });
}
