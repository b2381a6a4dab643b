import type { Command } from 'commander';
import type { Registrar } from '../command';
import { FailedError } from '../errors';
import { formatAge, type Output, table } from '../output';
import type { StatusReport } from './status';

export function registerStatus(program: Command, r: Registrar): void {
  const status = r.leaf(
    program,
    'status',
    'The hub at a glance: readiness, consumer lag, subscription queues',
  );
  status.addHelpText(
    'after',
    `
Every service's readiness (/health/ready), every consumer's lag (records, and the age of the oldest
record not yet processed), and every subscription's queue, last success and parked deliveries.

Exit code 0 when every service answers ready and every consumer could be measured, 1 otherwise
(the report is printed either way). With --json the report is one JSON document for scripts.

Lag is measured against the positions the consumers store in PostgreSQL, not against offsets
committed to Kafka (those are written afterwards, for monitoring only).`,
  );
  r.run(status, async (ctx, out) => {
    // Loaded when it runs: `--help` should not wait for the Kafka and PostgreSQL clients.
    const { gatherStatus } = await import('./status');
    const report = await gatherStatus(ctx);
    out.result(report, () => renderStatus(out, report));
    if (!report.ok) throw new FailedError('not everything is ready', { reported: true });
  });
}

function renderStatus(out: Output, report: StatusReport): string[] {
  const lines: string[] = [out.paint('bold', `ketenhub status at ${report.at}`), ''];
  lines.push(out.paint('bold', 'services'));
  lines.push(
    ...table([
      ['service', 'ready', 'url', ''],
      ...report.services.map((s) => [
        s.service,
        out.paint(s.status === 'ready' ? 'good' : 'bad', s.status),
        s.url,
        s.error ??
          (s.checks
            ? Object.entries(s.checks)
                .filter(([, ok]) => !ok)
                .map(([name]) => `${name} failing`)
                .join(', ')
            : ''),
      ]),
    ]).map((l) => `  ${l}`),
  );
  lines.push('', out.paint('bold', 'consumers'));
  lines.push(
    ...table([
      ['consumer', 'group', 'lag', 'oldest unprocessed'],
      ...report.consumers.map((c) =>
        'error' in c
          ? [c.consumer, '', out.paint('bad', 'unknown'), c.error]
          : [
              c.consumer,
              c.group,
              out.paint(c.records === 0 ? 'good' : 'warn', String(c.records)),
              c.oldestUnprocessed
                ? `${formatAge(c.oldestUnprocessed.ageSeconds)} (${c.oldestUnprocessed.topic}:${c.oldestUnprocessed.partition} @${c.oldestUnprocessed.offset}, ${c.oldestUnprocessed.timestamp})`
                : c.ageUnknown
                  ? 'age unknown (record not read in time)'
                  : '-',
            ],
      ),
    ]).map((l) => `  ${l}`),
  );
  const subs = report.subscriptions;
  lines.push('', out.paint('bold', 'subscriptions'));
  if (subs.error) lines.push(`  ${out.paint('bad', subs.error)}`);
  else if (subs.items.length === 0) lines.push('  none');
  if (subs.items.length > 0) {
    const now = Date.parse(report.at);
    lines.push(
      ...table([
        ['subscription', 'system', 'state', 'queue', 'oldest queued', 'parked', 'last success'],
        ...subs.items.map((s) => {
          const state = s.systemRevoked
            ? 'revoked'
            : s.stoppedAt
              ? `stopped (${s.stoppedReason ?? 'gone'})`
              : s.backoffUntil && Date.parse(s.backoffUntil) > now
                ? `backing off until ${s.backoffUntil}`
                : s.status;
          return [
            s.id,
            s.systemName ?? s.systemId,
            out.paint(
              state === 'active' ? 'good' : 'warn',
              `${state}${s.replaysRunning ? ', replaying' : ''}`,
            ),
            String(s.pending),
            s.oldestPendingAt ? formatAge((now - Date.parse(s.oldestPendingAt)) / 1000) : '-',
            out.paint(s.failed === 0 ? 'good' : 'bad', String(s.failed)),
            s.lastSuccessAt ?? 'never',
          ];
        }),
      ]).map((l) => `  ${l}`),
    );
  }
  return lines;
}
