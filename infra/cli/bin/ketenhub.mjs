#!/usr/bin/env node
/**
 * `ketenhub`, the operator CLI: runs src/main.ts through tsx, as the services run (no build step).
 *
 * A child node process rather than tsx registered in this one, because V8's semi-space can only be
 * sized at start: `ketenhub projection rebuild` catches a projection up from offset 0 and wants the
 * rebuild's 128 MiB (serviceNodeFlags('projection:rebuild') in packages/service/src/node-flags.ts,
 * where the measurement is; a unit test keeps this copy in step). The CLI serves no requests, so the
 * larger young generation costs nothing elsewhere.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';

const nodeFlags = ['--max-semi-space-size=128'];
const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const child = spawn(
  process.execPath,
  [...nodeFlags, '--import', import.meta.resolve('tsx'), main, ...process.argv.slice(2)],
  { stdio: 'inherit' },
);
// A terminal's Ctrl-C reaches the child itself (same process group); forwarding it again would
// count as a second interrupt. Signals sent to this process alone are passed on.
process.on('SIGINT', () => undefined);
for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => {
  process.exitCode = code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 1);
});
