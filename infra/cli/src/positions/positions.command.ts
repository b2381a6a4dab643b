import { type Command, Option } from 'commander';
import { dryRunNote, parseDatetime, type Registrar } from '../command';
import { consumerNames } from '../consumers/names';
import { UsageError } from '../errors';
import { parseOffsetSpec } from '../offsets';
import { type Output, table } from '../output';
import type { PositionPlan, Target } from './positions';

// Loaded when a command runs: `--help` should not wait for the Kafka and PostgreSQL clients.
const load = () => Promise.all([import('./positions'), import('../consumers/consumers')]);

const why = `
Positions live in PostgreSQL (<schema>.consumer_positions), written in the same transaction as
each consumer's effects, and every consumer seeks there when partitions are assigned to it. Kafka's
own \`kafka-consumer-groups --reset-offsets\` therefore has no effect on the hub: the offsets it
resets are written by the consumers for monitoring only, and never read back. Use this instead.

Consumers: ${consumerNames}.`;

export function registerPositions(program: Command, r: Registrar): void {
  const positions = program
    .command('positions')
    .description("Show or move the consumers' stored positions (PostgreSQL, not Kafka's group offsets)")
    .addHelpText('after', why);

  const show = r.leaf(
    positions,
    'show [consumer]',
    'Stored position, log start and end, and lag per partition (every consumer when none is named)',
  );
  r.run(show, async (ctx, out, _opts, [name]) => {
    const [{ positionsShow }, { listConsumers }] = await load();
    const names = typeof name === 'string' ? [name] : (await listConsumers(ctx)).consumers.map((c) => c.name);
    const shown: Awaited<ReturnType<typeof positionsShow>>[] = [];
    for (const n of names) shown.push(await positionsShow(ctx, n));
    out.result(typeof name === 'string' ? shown[0] : { consumers: shown }, () =>
      shown.flatMap((c) => [
        out.paint('bold', `${c.consumer}: ${c.description}`),
        `  schema ${c.schema}, group ${c.group}, lag ${c.lag}`,
        ...table([
          ['topic', 'partition', 'next', 'from', 'log start', 'log end', 'lag', 'stored at'],
          ...c.partitions.map((p) => [
            p.topic,
            String(p.partition),
            p.next,
            p.source,
            p.low,
            p.high,
            String(p.lag),
            p.storedAt ?? '-',
          ]),
        ]).map((l) => `  ${l}`),
        '',
      ]),
    );
  });

  const set = r
    .leaf(positions, 'set <consumer>', "Move a consumer's stored positions to a time or to offsets", {
      changes: true,
    })
    .addOption(
      new Option(
        '--to-datetime <iso>',
        'every partition to the first record at or after this time (Kafka ListOffsets by timestamp)',
      )
        .argParser(parseDatetime('--to-datetime'))
        .conflicts('toOffset'),
    )
    .addOption(
      new Option(
        '--to-offset <list>',
        'given partitions to given offsets: topic:partition=offset,... (topic with or without KAFKA_TOPIC_PREFIX)',
      ),
    )
    .option('--force', "set even though the consumer's service answers ready (see below)");
  set.addHelpText(
    'after',
    `
${dryRunNote}

It refuses while the consumer's service answers ready on /health/ready, unless --force: a running
consumer seeks to stored positions only when partitions are assigned to it, so it would carry on
from where it is and its next transaction would write its own position over the new one. Stop
every instance of that service, set, start them again: on assignment they seek to the new position.

Moving back re-reads records. The projection and the gateway drop repeats by event id. The
dispatcher queues an event again for every subscription without an outbox row for it: delivered
rows purged after DISPATCHER_RETENTION_MS, and subscriptions made since then (which would get
history they never asked for). To re-deliver to one subscriber, use \`ketenhub replay
subscription\` instead. Moving forward skips records for good.
${why}`,
  );
  r.run(set, async (ctx, out, opts, [name]) => {
    const [{ applyPositions, guardNotRunning, planPositions }, { findConsumer }] = await load();
    let target: Target;
    if (typeof opts.toDatetime === 'string') target = { kind: 'datetime', at: new Date(opts.toDatetime) };
    else if (typeof opts.toOffset === 'string')
      target = { kind: 'offsets', offsets: parseOffsetSpec(opts.toOffset) };
    else
      throw new UsageError(
        'positions set: give --to-datetime <iso> or --to-offset <topic:partition=offset,...>',
      );
    const consumer = await findConsumer(ctx, String(name));
    const execute = opts.execute === true;
    const warning = execute ? await guardNotRunning(ctx, consumer, opts.force === true) : null;
    const plan = await planPositions(ctx, consumer, target);
    if (execute) await applyPositions(ctx, plan);
    out.result({ dryRun: !execute, ...(warning ? { warning } : {}), ...plan }, () =>
      renderPlan(out, plan, execute, warning),
    );
  });
}

function renderPlan(out: Output, plan: PositionPlan, executed: boolean, warning: string | null): string[] {
  const target = 'datetime' in plan.target ? `to ${plan.target.datetime}` : `to ${plan.target.offsets}`;
  const lines = [
    out.paint(
      'bold',
      `${executed ? 'Moved' : 'Would move'} ${plan.consumer} (schema ${plan.schema}, group ${plan.group}) ${target}`,
    ),
  ];
  if (warning) lines.push(out.paint('warn', `warning: ${warning}`));
  lines.push(
    ...table([
      ['topic', 'partition', 'from', 'to', 'effect'],
      ...plan.changes.map((c) => [
        c.topic,
        String(c.partition),
        c.from,
        c.to,
        c.delta < 0
          ? `re-read ${-c.delta}`
          : c.delta > 0
            ? out.paint('warn', `skip ${c.delta}`)
            : 'unchanged',
      ]),
    ]).map((l) => `  ${l}`),
    `  ${plan.reread} record(s) to read again, ${plan.skipped} to skip`,
  );
  if (!executed)
    lines.push(out.paint('dim', '  dry run: nothing changed; add --execute (with the service stopped)'));
  return lines;
}
