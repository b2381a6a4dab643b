import { run } from './program';

/** Entry of `ketenhub` (bin/ketenhub.mjs runs this through tsx). */
const code = await run(process.argv.slice(2), {
  env: process.env,
  io: { stdout: process.stdout, stderr: process.stderr, noColor: process.env.NO_COLOR !== undefined },
});
// Every command has closed its pools and connections, but kafkajs' sockets take seconds to finish
// closing, and an operator's prompt should come back when the work is done: exit once stdout is out.
process.stdout.write('', () => process.exit(code));
