import { type Command, Option } from 'commander';
import { collect, dryRunNote, positiveInt, type Registrar, subscriptionArg } from '../command';
import { type Output, table } from '../output';
import type { SubscriptionStatus } from '../status/status';
import {
  type Delivery,
  type DeliveryStatus,
  getDelivery,
  listDeliveries,
  planRequeue,
  requeue,
  resume,
  subscriptionStatus,
} from './deliveries';

export function registerDeliveries(program: Command, r: Registrar): void {
  const deliveries = program
    .command('deliveries')
    .description(
      "A subscription's webhook deliveries: list, status, re-queue parked ones, resume after a stop",
    )
    .addHelpText(
      'after',
      `
Over the dispatcher's operator API (KETENHUB_DISPATCHER_URL, KETENHUB_ADMIN_TOKEN). Answers carry ids,
types and statuses, never event bodies.`,
    );

  const list = r
    .leaf(deliveries, 'list <subscription>', "A subscription's deliveries, parked (failed) ones by default")
    .addOption(
      new Option('--status <status>', 'which deliveries')
        .choices(['failed', 'pending', 'delivered', 'cancelled'])
        .default('failed'),
    )
    .option('--limit <n>', 'deliveries per page (at most 1000)', positiveInt('--limit'), 100)
    .option('--after <id>', 'the page after this delivery id')
    .option('--all', 'every page, not just the first');
  r.run(list, async (ctx, out, opts, [sub]) => {
    const id = subscriptionArg(sub);
    const answer = await listDeliveries(ctx, id, {
      status: opts.status as DeliveryStatus,
      limit: Math.min(Number(opts.limit), 1000),
      ...(typeof opts.after === 'string' ? { after: opts.after } : {}),
      all: opts.all === true,
    });
    out.result({ subscription: id, status: opts.status, ...answer }, () => [
      ...(answer.deliveries.length === 0
        ? [`no ${String(opts.status)} deliveries`]
        : deliveryTable(answer.deliveries)),
      ...(answer.next ? [out.paint('dim', `more: --after ${answer.next} (or --all)`)] : []),
    ]);
  });

  const show = r.leaf(
    deliveries,
    'show <subscription> [delivery]',
    "A subscription's delivery state (queue, parked, delivered, last success and error, stop, backoff), or one delivery",
  );
  r.run(show, async (ctx, out, _opts, [sub, delivery]) => {
    const id = subscriptionArg(sub);
    if (typeof delivery === 'string') {
      const d = await getDelivery(ctx, id, delivery);
      out.result(d, () => renderDelivery(d));
      return;
    }
    const status = await subscriptionStatus(ctx, id);
    out.result(status, () => renderStatus(out, status));
  });

  const requeueCmd = r
    .leaf(deliveries, 'requeue <subscription>', 'Put parked (failed) deliveries back into the queue', {
      changes: true,
    })
    .option('--id <id>', 'only this delivery (repeat for more); default: every parked one', collect);
  requeueCmd.addHelpText(
    'after',
    `
${dryRunNote}

Fix the receiver first: a re-queued delivery that fails the same way is parked again. Each keeps
its place in its chain case's order.`,
  );
  r.run(requeueCmd, async (ctx, out, opts, [sub]) => {
    const id = subscriptionArg(sub);
    const ids = Array.isArray(opts.id) ? (opts.id as string[]) : undefined;
    const plan = await planRequeue(ctx, id, ids);
    if (opts.execute !== true) {
      out.result({ dryRun: true, ...plan, requeue: plan.deliveries.length }, () => [
        out.paint(
          'bold',
          `Would re-queue ${plan.deliveries.length} parked deliver${plan.deliveries.length === 1 ? 'y' : 'ies'}`,
        ),
        ...deliveryTable(plan.deliveries),
        ...(plan.notParked.length > 0
          ? [out.paint('warn', `not parked, left alone: ${plan.notParked.join(', ')}`)]
          : []),
        out.paint('dim', 'dry run: nothing changed; add --execute'),
      ]);
      return;
    }
    const requeued = await requeue(ctx, id, ids);
    out.result({ dryRun: false, subscription: id, requeued }, () =>
      out.paint('good', `Re-queued ${requeued} deliver${requeued === 1 ? 'y' : 'ies'}`),
    );
  });

  const resumeCmd = r.leaf(
    deliveries,
    'resume <subscription>',
    "Clear a receiver's stop (it answered 410) and any backoff, so deliveries go out again",
    { changes: true },
  );
  resumeCmd.addHelpText('after', `\n${dryRunNote}`);
  r.run(resumeCmd, async (ctx, out, opts, [sub]) => {
    const id = subscriptionArg(sub);
    if (opts.execute !== true) {
      const status = await subscriptionStatus(ctx, id);
      const held = status.stoppedAt !== null || status.backoffUntil !== null;
      out.result(
        {
          dryRun: true,
          subscription: id,
          stoppedAt: status.stoppedAt,
          backoffUntil: status.backoffUntil,
          pending: status.pending,
        },
        () => [
          held
            ? `Would clear ${[status.stoppedAt ? `the stop of ${status.stoppedAt} (${status.stoppedReason ?? 'gone'})` : null, status.backoffUntil ? `the backoff until ${status.backoffUntil}` : null].filter(Boolean).join(' and ')}; ${status.pending} pending deliveries would go out`
            : 'Nothing holds this subscription back (no stop, no backoff)',
          out.paint('dim', 'dry run: nothing changed; add --execute'),
        ],
      );
      return;
    }
    const status = await resume(ctx, id);
    out.result({ dryRun: false, ...status }, () => [
      out.paint('good', 'Resumed'),
      ...renderStatus(out, status),
    ]);
  });
}

function deliveryTable(deliveries: readonly Delivery[]): string[] {
  return table([
    ['id', 'case', 'type', 'event', 'attempts', 'last', 'queued'],
    ...deliveries.map((d) => [
      d.id,
      d.caseId,
      d.eventType,
      d.eventId,
      String(d.attempts),
      d.lastError ?? (d.lastStatus === null ? '-' : `HTTP ${d.lastStatus}`),
      d.createdAt,
    ]),
  ]);
}

function renderDelivery(d: Delivery): string[] {
  return [
    `delivery ${d.id}: ${d.status}, ${d.attempts} attempt(s)`,
    `  event        ${d.eventType} ${d.eventId} from ${d.eventSource}`,
    `  chain case   ${d.caseId}`,
    ...(d.webhookId ? [`  webhook-id   ${d.webhookId}`] : []),
    ...(d.log ? [`  in the log   ${d.log.topic}:${d.log.partition} @${d.log.offset}`] : []),
    `  queued       ${d.createdAt}${d.replayId ? ` by replay ${d.replayId}` : ''}${d.requeuedAt ? `, re-queued ${d.requeuedAt}` : ''}`,
    `  last attempt ${d.lastAttemptAt ?? '-'}${d.lastStatus !== null ? ` HTTP ${d.lastStatus}` : ''}${d.lastError ? ` (${d.lastError})` : ''}`,
    ...(d.nextAttemptAt ? [`  next attempt ${d.nextAttemptAt}`] : []),
    ...(d.deliveredAt ? [`  delivered    ${d.deliveredAt}`] : []),
  ];
}

function renderStatus(out: Output, s: SubscriptionStatus): string[] {
  return [
    out.paint('bold', `subscription ${s.id} (system ${s.systemId})`),
    `  url          ${s.url}`,
    `  types        ${s.types.join(', ')}`,
    `  roles        ${s.roles?.join(', ') ?? out.paint('warn', 'none in the record: nothing is queued')}`,
    `  state        ${s.systemRevoked ? out.paint('bad', 'system revoked') : s.status}${s.stoppedAt ? out.paint('bad', `, stopped ${s.stoppedAt} (${s.stoppedReason ?? 'gone'})`) : ''}${s.backoffUntil ? `, backing off until ${s.backoffUntil}` : ''}`,
    `  queue        ${s.pending} pending${s.oldestPendingAt ? ` (oldest queued ${s.oldestPendingAt})` : ''}, ${out.paint(s.failed === 0 ? 'good' : 'bad', `${s.failed} parked`)}, ${s.delivered} delivered (kept for the retention period)`,
    ...(s.replaysRunning ? [`  replays      ${s.replaysRunning} running`] : []),
    `  last success ${s.lastSuccessAt ?? 'never'}`,
    `  last error   ${s.lastError ? `${s.lastError.at} ${s.lastError.reason ?? ''}` : '-'}`,
  ];
}
