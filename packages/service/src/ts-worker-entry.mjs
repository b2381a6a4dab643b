// Plain JavaScript on purpose: a worker thread does not inherit the parent's module loader, so this
// entry registers tsx before it loads the TypeScript module named in workerData (same code under
// `npm start`, the Dockerfile and the test runner). See ts-worker.ts.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.module);
