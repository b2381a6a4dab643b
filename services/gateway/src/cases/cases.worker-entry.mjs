// Plain JavaScript on purpose: a worker thread does not inherit the parent's module loader, so this
// entry registers tsx before it loads the TypeScript worker module (same code under `npm start`,
// the Dockerfile and the test runner).
import { register } from 'tsx/esm/api';

register();
await import('./cases.worker.ts');
