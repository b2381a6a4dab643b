import { Command, CommanderError } from 'commander';
import type { Action, Registrar } from './command';
import type { Context } from './context';
import { registerDeliveries } from './deliveries/deliveries.command';
import { exitCodes, FailedError, HttpError, UsageError } from './errors';
import { type Io, Output } from './output';
import { registerPositions } from './positions/positions.command';
import { registerProjection } from './projection/projection.command';
import { registerReplays } from './replays/replays.command';
import { registerStatus } from './status/status.command';

export interface RunOptions {
  env: Record<string, string | undefined>;
  io: Io;
  now?: () => Date;
}

/**
 * The `ketenhub` command tree. `onExit` receives the exit code of the command that ran (its
 * action's outcome); parse errors are thrown as commander's errors (see {@link run}).
 */
export function buildProgram(options: RunOptions, onExit: (code: number) => void): Command {
  const { io } = options;
  const program = new Command()
    .name('ketenhub')
    .description(
      'Operator CLI of the Ketenhub: status, consumer positions, projection versions, webhook deliveries, replays and backfills.',
    )
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      `
Anything that changes state is a dry run unless --execute. --json on every command prints one JSON
document for scripts. Exit codes: 0 ok, 1 failed, 2 bad usage. Configuration comes from the
environment, as for the services: DATABASE_URL, KAFKA_BROKERS, KAFKA_TOPIC_PREFIX, KETENHUB_ADMIN_TOKEN,
KETENHUB_{REGISTRY,GATEWAY,PROJECTION,DISPATCHER}_URL, PROJECTION_SCHEMA, PROJECTION_GROUP_ID,
DISPATCHER_GROUP_ID. Guide: docs/operations.md.`,
    );

  const registrar: Registrar = {
    leaf(parent, spec, description, o = {}) {
      const command = parent
        .command(spec)
        .description(description)
        .option('--json', 'machine-readable output');
      if (o.changes) command.option('--execute', 'do it (without: a dry run that changes nothing)');
      return command;
    },
    run(command, action: Action) {
      return command.action(async (...received: unknown[]) => {
        const cmd = received[received.length - 1] as Command;
        const opts = cmd.opts<Record<string, unknown>>();
        const out = new Output(io, opts.json === true);
        let ctx: Context | undefined;
        try {
          // The clients and the env schema are loaded when a command runs, not for `--help`.
          const [{ Context }, { loadCliEnv }] = await Promise.all([import('./context'), import('./env')]);
          ctx = new Context(loadCliEnv(options.env), io, options.now);
          await action(ctx, out, opts, received.slice(0, -2));
          onExit(exitCodes.ok);
        } catch (error) {
          onExit(report(out, error));
        } finally {
          await ctx?.close().catch(() => undefined);
        }
      });
    },
  };

  registerStatus(program, registrar);
  registerPositions(program, registrar);
  registerProjection(program, registrar);
  registerDeliveries(program, registrar);
  registerReplays(program, registrar);
  return program;
}

/**
 * `ketenhub <command>`: parses the command line, runs one command and answers its exit code
 * (0 ok, 1 failed, 2 bad usage). The composition root: the environment is parsed here, once, and
 * only when a command runs, so `--help` works in a shell with nothing configured.
 */
export async function run(argv: readonly string[], options: RunOptions): Promise<number> {
  let code: number = exitCodes.ok;
  const program = buildProgram(options, (c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    // Help asked for is an answer; help shown because a command was missing is bad usage.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return exitCodes.ok;
    // Commander said what is wrong on stderr; a script asking for JSON gets it as JSON too.
    if (argv.includes('--json')) {
      options.io.stdout.write(
        `${JSON.stringify({ error: { kind: 'usage', message: error.message.replace(/^error: /, '') } }, null, 2)}\n`,
      );
    }
    return exitCodes.usage;
  }
  return code;
}

/** The one error edge: a message a person can act on (or one JSON document), and the exit code. */
function report(out: Output, error: unknown): number {
  if (error instanceof FailedError && error.details.reported === true) {
    // The command printed its answer already (e.g. `status` with something not ready).
    return exitCodes.failed;
  }
  // EnvError (@ketenhub/service) by name: that package is loaded only once a command runs.
  const envError = error instanceof Error && error.name === 'EnvError';
  const code = error instanceof UsageError || envError ? exitCodes.usage : exitCodes.failed;
  if (out.json) {
    const body =
      error instanceof HttpError
        ? {
            kind: 'http',
            message: error.message,
            service: error.service,
            request: `${error.method} ${error.path}`,
            status: error.status,
            problem: error.problem,
          }
        : {
            kind: code === exitCodes.usage ? 'usage' : 'failed',
            message: error instanceof Error ? error.message : String(error),
            ...(error instanceof FailedError ? error.details : {}),
          };
    out.io.stdout.write(`${JSON.stringify({ error: body }, null, 2)}\n`);
    return code;
  }
  const lines =
    error instanceof HttpError ? error.lines() : [error instanceof Error ? error.message : String(error)];
  out.io.stderr.write(`${out.paint('bad', 'error:')} ${lines.join('\n')}\n`);
  if (code === exitCodes.usage && !envError) out.io.stderr.write('(add --help for usage)\n');
  return code;
}
