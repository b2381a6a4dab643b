import { type Command, Option } from 'commander';
import { collect, collectUuid, dryRunNote, parseDatetime, type Registrar, subscriptionArg } from '../command';
import type { Context } from '../context';
import { FailedError, UsageError } from '../errors';
import { parseOffsetSpec, withPrefix } from '../offsets';
import { type Output, table } from '../output';
import {
  cancel,
  type DryRunAnswer,
  dryRun,
  getReplay,
  listReplays,
  type Replay,
  type ReplayKind,
  type ReplayRequest,
  start,
  waitFor,
} from './replays';

const waitHelp = `--wait follows it with a progress bar until it is done (exit 0), or cancelled or failed
(exit 1). Ctrl-C stops the waiting, not the replay: \`ketenhub replay show <subscription> <id> --wait\`
follows it again, \`ketenhub replay cancel\` stops it.`;

export function registerReplays(program: Command, r: Registrar): void {
  const replay = program
    .command('replay')
    .description(
      'Re-deliver a window of the log to one subscription (a receiver that lost data or was down too long)',
    )
    .addHelpText(
      'after',
      `
The dispatcher reads the window from Kafka (the outbox forgets delivered rows), applies the access
rule as of each event, and queues the deliveries in each chain case's order with live traffic.
Deliveries keep their webhook-id, so a receiver drops what it already has.`,
    );

  const subscription = r
    .leaf(replay, 'subscription <id>', 'Replay a time window to one subscription', {
      changes: true,
    })
    .addOption(
      new Option(
        '--from <iso>',
        'start of the window: when the receiver went down (ISO 8601 with zone)',
      ).argParser(parseDatetime('--from')),
    )
    .addOption(new Option('--to <iso>', 'end of the window (default: now)').argParser(parseDatetime('--to')))
    .option('--from-offsets <list>', 'start of the window by offsets instead: topic:partition=offset,...')
    .option('--to-offsets <list>', 'end of the window by offsets: topic:partition=offset,...')
    .option('--case <uuid...>', 'only these chain cases (repeatable)', collectUuid)
    .option('--type <type...>', 'only these event types (repeatable)', collect)
    .option('--wait', 'follow the replay until it ends, with a progress bar');
  subscription.addHelpText(
    'after',
    `
${dryRunNote} The dry run asks the dispatcher how many events per chain case
the window holds for this subscriber; --execute starts exactly that replay.

${waitHelp}

Example, after an outage that began at 08:00 UTC:
  ketenhub replay subscription <id> --from 2026-12-03T08:00:00Z
  ketenhub replay subscription <id> --from 2026-12-03T08:00:00Z --execute --wait`,
  );
  r.run(subscription, async (ctx, out, opts, [sub]) => {
    if (typeof opts.from !== 'string' && typeof opts.fromOffsets !== 'string') {
      throw new UsageError(
        'replay subscription: give --from <iso> (or --from-offsets); all of history is a backfill',
      );
    }
    const offsets = (flag: string, value: unknown) =>
      typeof value === 'string'
        ? Object.fromEntries(
            parseOffsetSpec(value, flag).map((o) => [
              `${withPrefix(o.topic, ctx.env.KAFKA_TOPIC_PREFIX, ctx.domainTopics)}:${o.partition}`,
              o.offset,
            ]),
          )
        : undefined;
    const fromOffsets = offsets('--from-offsets', opts.fromOffsets);
    const toOffsets = offsets('--to-offsets', opts.toOffsets);
    const request: ReplayRequest = {
      ...(typeof opts.from === 'string' ? { from: opts.from } : {}),
      ...(typeof opts.to === 'string' ? { to: opts.to } : {}),
      ...(fromOffsets ? { fromOffsets } : {}),
      ...(toOffsets ? { toOffsets } : {}),
      ...(Array.isArray(opts.case) ? { cases: opts.case as string[] } : {}),
      ...(Array.isArray(opts.type) ? { types: await checkTypes(opts.type as string[]) } : {}),
    };
    if (request.to && request.from && Date.parse(request.to) <= Date.parse(request.from)) {
      throw new UsageError('--to: must be after --from');
    }
    await replayOrBackfill(ctx, out, 'replay', subscriptionArg(sub), request, opts);
  });

  const list = r.leaf(
    replay,
    'list <subscription>',
    "A subscription's replays and backfills, with their status and progress",
  );
  r.run(list, async (ctx, out, _opts, [sub]) => {
    const id = subscriptionArg(sub);
    const replays = await listReplays(ctx, id);
    out.result({ subscription: id, replays }, () =>
      replays.length === 0
        ? 'no replays'
        : table([
            ['replay', 'status', 'scanned', 'total', 'queued'],
            ...replays.map((x) => [
              x.id,
              x.status,
              String(x.progress?.scanned ?? '-'),
              String(x.progress?.total ?? '-'),
              String(x.progress?.queued ?? '-'),
            ]),
          ]),
    );
  });

  const show = r
    .leaf(replay, 'show <subscription> <replayId>', 'One replay or backfill: status, progress, window')
    .option('--wait', 'follow it until it ends, with a progress bar');
  r.run(show, async (ctx, out, opts, [sub, replayId]) => {
    const id = subscriptionArg(sub);
    const location = `/subscriptions/${id}/replays/${String(replayId)}`;
    const found =
      opts.wait === true
        ? await waitFor(ctx, location, bar(out))
        : await getReplay(ctx, id, String(replayId));
    out.result(found, () => renderReplay(found));
    if (opts.wait === true) failUnlessDone(found);
  });

  const cancelCmd = r.leaf(replay, 'cancel <subscription> <replayId>', 'Stop a running replay or backfill', {
    changes: true,
  });
  cancelCmd.addHelpText(
    'after',
    `
${dryRunNote}

It queues nothing more, and the deliveries it queued that have not gone out yet are withdrawn
(status cancelled); what went out stays delivered. A new replay queues them again.`,
  );
  r.run(cancelCmd, async (ctx, out, opts, [sub, replayId]) => {
    const id = subscriptionArg(sub);
    if (opts.execute !== true) {
      const found = await getReplay(ctx, id, String(replayId));
      out.result({ dryRun: true, replay: found }, () => [
        found.status === 'running'
          ? `Would cancel replay ${found.id} (${renderProgress(found)})`
          : `Replay ${found.id} is ${found.status}: nothing to cancel`,
        out.paint('dim', 'dry run: nothing changed; add --execute'),
      ]);
      return;
    }
    const cancelled = await cancel(ctx, id, String(replayId));
    out.result(
      { dryRun: false, replay: cancelled },
      () =>
        `Replay ${cancelled.id}: ${cancelled.status}${cancelled.withdrawn === undefined ? '' : `, ${cancelled.withdrawn} queued deliveries withdrawn`}`,
    );
  });

  const backfill = r
    .leaf(
      program,
      'backfill <subscription>',
      'Deliver the history of the chain cases a (new) subscriber takes part in, as far as the access rule lets a late joiner see it',
      { changes: true },
    )
    .addOption(
      new Option('--from <iso>', 'only history from this time on').argParser(parseDatetime('--from')),
    )
    .option('--case <uuid...>', 'only these chain cases (repeatable)', collectUuid)
    .option('--type <type...>', 'only these event types (repeatable)', collect)
    .option('--wait', 'follow the backfill until it ends, with a progress bar');
  backfill.addHelpText(
    'after',
    `
${dryRunNote}

Which past events a late joiner may see is the access model's rule (per type in the catalog,
docs/access.md). ${waitHelp}`,
  );
  r.run(backfill, async (ctx, out, opts, [sub]) => {
    const request: ReplayRequest = {
      ...(typeof opts.from === 'string' ? { from: opts.from } : {}),
      ...(Array.isArray(opts.case) ? { cases: opts.case as string[] } : {}),
      ...(Array.isArray(opts.type) ? { types: await checkTypes(opts.type as string[]) } : {}),
    };
    await replayOrBackfill(ctx, out, 'backfill', subscriptionArg(sub), request, opts);
  });
}

async function checkTypes(types: string[]): Promise<string[]> {
  // The catalog is loaded only when types are given: `--help` needs none of it.
  const { eventTypes } = await import('@ketenhub/events');
  const unknown = types.filter((t) => !(eventTypes as readonly string[]).includes(t));
  if (unknown.length > 0)
    throw new UsageError(`--type: not an event type of the catalog: ${unknown.join(', ')}`);
  return types;
}

async function replayOrBackfill(
  ctx: Context,
  out: Output,
  kind: ReplayKind,
  subscription: string,
  request: ReplayRequest,
  opts: Record<string, unknown>,
): Promise<void> {
  if (opts.execute !== true) {
    const plan = await dryRun(ctx, kind, subscription, request);
    out.result(plan, () => renderDryRun(out, kind, plan));
    return;
  }
  const started = await start(ctx, kind, subscription, request);
  if (opts.wait !== true) {
    out.result({ ...started.replay, location: started.location }, () => [
      `Started ${kind} ${started.replay.id} (${started.replay.status})`,
      out.paint('dim', `follow it: ketenhub replay show ${subscription} ${started.replay.id} --wait`),
    ]);
    return;
  }
  out.note(`Started ${kind} ${started.replay.id}`);
  const finished = await waitFor(ctx, started.location, bar(out));
  out.result(finished, () => renderReplay(finished));
  failUnlessDone(finished);
}

const bar = (out: Output) =>
  out.progress('replay |{bar}| {percentage}% | {value}/{total} events scanned | {queued} queued');

function failUnlessDone(replay: Replay): void {
  if (replay.status !== 'done') {
    throw new FailedError(`replay ${replay.id} ended ${replay.status}`, { reported: true, replay });
  }
}

function renderProgress(x: Replay): string {
  const p = x.progress;
  return p ? `${p.scanned}/${p.total} scanned, ${p.queued} queued` : 'no progress yet';
}

function renderReplay(x: Replay): string[] {
  return [
    `${x.kind ?? 'replay'} ${x.id}: ${x.status}, ${renderProgress(x)}${x.error ? ` (${String(x.error)})` : ''}`,
    ...renderWindow(x.window),
  ];
}

/** `{ "<topic>:<partition>": { start, end, next? } }` as a table. */
function renderWindow(window: unknown): string[] {
  if (typeof window !== 'object' || window === null) return [];
  const rows = Object.entries(window as Record<string, { start?: string; end?: string; next?: string }>);
  if (rows.length === 0) return ['  window: empty'];
  const hasNext = rows.some(([, w]) => w.next !== undefined);
  return table([
    ['partition', 'from', 'to', ...(hasNext ? ['next'] : [])],
    ...rows.map(([key, w]) => [
      key,
      String(w.start ?? ''),
      String(w.end ?? ''),
      ...(hasNext ? [String(w.next ?? '')] : []),
    ]),
  ]).map((l) => `  ${l}`);
}

function renderDryRun(out: Output, kind: ReplayKind, plan: DryRunAnswer): string[] {
  return [
    out.paint(
      'bold',
      `Would ${kind === 'replay' ? 'replay' : 'backfill'} ${plan.events} event(s) over ${plan.perCase.length} chain case(s)`,
    ),
    ...renderWindow(plan.window),
    ...table([['chain case', 'events'], ...plan.perCase.map((c) => [c.caseId, String(c.events)])]).map(
      (l) => `  ${l}`,
    ),
    out.paint('dim', '  dry run: nothing was queued; add --execute (and --wait to follow it)'),
  ];
}
