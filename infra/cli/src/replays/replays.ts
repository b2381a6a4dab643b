import type { Context } from '../context';
import { FailedError } from '../errors';
import type { Progress } from '../output';

/**
 * Replays and backfills over the dispatcher's operator API: the dispatcher reads the window from
 * Kafka, decides each event with the one access rule, and queues the deliveries in case order with
 * live traffic (docs/dispatcher.md). The CLI only asks, shows the answer and follows the progress.
 *
 * The contract (issue 13, items 1 and 2):
 * - `POST /subscriptions/{id}/replays` `{ from?, to?, fromOffsets?, toOffsets?, cases?, types?, dryRun? }`
 *   and `POST /subscriptions/{id}/backfill` `{ from?, cases?, types?, dryRun? }`; `dryRun` defaults to
 *   true; offsets as `{ "<topic>:<partition>": offset }`;
 * - a dry run answers 200 `{ dryRun: true, window, events, perCase: [{ caseId, events }] }`;
 * - a real one 202 `{ id, status: 'running', ... }` with Location `/subscriptions/{id}/replays/{replayId}`;
 * - `GET /subscriptions/{id}/replays[/{replayId}]`: `{ id, status, progress: { scanned, total, queued }, window, ... }`;
 * - `POST /subscriptions/{id}/replays/{replayId}/cancel`.
 */

export interface ReplayRequest {
  from?: string;
  to?: string;
  /** `{ "<topic>:<partition>": offset }`: the window by offsets instead of times. */
  fromOffsets?: Record<string, string>;
  toOffsets?: Record<string, string>;
  cases?: string[];
  types?: string[];
}

export interface DryRunAnswer {
  dryRun: true;
  window: unknown;
  events: number;
  perCase: { caseId: string; events: number }[];
  [key: string]: unknown;
}

export interface Replay {
  id: string;
  kind?: string;
  status: 'running' | 'done' | 'cancelled' | 'failed';
  progress?: { scanned: number; total: number; queued: number; matched?: number };
  error?: string | null;
  window?: unknown;
  /** After a cancel: queued deliveries that had not gone out and were withdrawn. */
  withdrawn?: number;
  [key: string]: unknown;
}

export type ReplayKind = 'replay' | 'backfill';

const paths = {
  replay: (sub: string) => `/subscriptions/${sub}/replays`,
  backfill: (sub: string) => `/subscriptions/${sub}/backfill`,
};

export async function dryRun(
  ctx: Context,
  kind: ReplayKind,
  subscription: string,
  request: ReplayRequest,
): Promise<DryRunAnswer> {
  const answer = await ctx
    .service('dispatcher')
    .call<DryRunAnswer>('POST', paths[kind](subscription), { ...request, dryRun: true });
  return answer.body;
}

/** Starts it for real; answers the replay and the path to follow it by. */
export async function start(
  ctx: Context,
  kind: ReplayKind,
  subscription: string,
  request: ReplayRequest,
): Promise<{ replay: Replay; location: string }> {
  const answer = await ctx
    .service('dispatcher')
    .call<Replay>('POST', paths[kind](subscription), { ...request, dryRun: false });
  const location = answer.headers.get('location') ?? `${paths.replay(subscription)}/${answer.body.id}`;
  return { replay: answer.body, location: new URL(location, 'http://dispatcher').pathname };
}

export async function getReplay(ctx: Context, subscription: string, id: string): Promise<Replay> {
  return (await ctx.service('dispatcher').call<Replay>('GET', `${paths.replay(subscription)}/${id}`)).body;
}

export async function listReplays(ctx: Context, subscription: string): Promise<Replay[]> {
  const body = (
    await ctx.service('dispatcher').call<Replay[] | { replays: Replay[] }>('GET', paths.replay(subscription))
  ).body;
  return Array.isArray(body) ? body : body.replays;
}

export async function cancel(ctx: Context, subscription: string, id: string): Promise<Replay> {
  return (await ctx.service('dispatcher').call<Replay>('POST', `${paths.replay(subscription)}/${id}/cancel`))
    .body;
}

/**
 * Polls until the replay is no longer running, drawing progress. Ctrl-C stops the waiting, not the
 * replay: it runs in the dispatcher and goes on (`replay cancel` stops it).
 */
export async function waitFor(
  ctx: Context,
  location: string,
  bar: Progress,
  pollMs = 1_000,
): Promise<Replay> {
  const dispatcher = ctx.service('dispatcher');
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
  };
  process.once('SIGINT', onSigint);
  try {
    for (;;) {
      const replay = (await dispatcher.call<Replay>('GET', location)).body;
      const p = replay.progress;
      if (p) bar.update(p.scanned, p.total, { queued: p.queued });
      if (replay.status !== 'running') return replay;
      if (interrupted) {
        throw new FailedError(`stopped waiting; replay ${replay.id} goes on in the dispatcher`, { replay });
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
  } finally {
    process.off('SIGINT', onSigint);
    bar.stop();
  }
}
