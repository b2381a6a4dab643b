import http from 'node:http';

/**
 * An open-loop HTTP load generator for the benchmarks (127.0.0.1 only, bounded, stops by itself).
 *
 * Request i is due at `start + i / rate`; it is sent then whether or not earlier ones were
 * answered, and its latency is measured from that due time, so time spent queued behind a slow
 * answer counts (no coordinated omission). autocannon's `overallRate` works differently: every
 * connection sends its per-second quota back to back and then idles until the next second, so at
 * "1,000/s" it measures bursts at full speed, not a steady 1,000 requests a second.
 */
export interface PacedRequest {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface PacedLoadOptions {
  url: string;
  /** Requests per second. */
  rate: number;
  durationS: number;
  /** Keep-alive sockets to use at most; requests beyond them wait (and that wait is measured). */
  connections: number;
  request(i: number): PacedRequest;
  /** How long to wait for the last answers after the last send, in ms (default 10,000). */
  drainMs?: number;
}

export interface PacedLoadResult {
  sent: number;
  answered: number;
  errors: number;
  /** Answers by status class, e.g. { '2xx': 9990, '5xx': 10 }. */
  statuses: Record<string, number>;
  /** Answered requests per second over the sending period. */
  answeredPerSecond: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

export async function pacedLoad(options: PacedLoadOptions): Promise<PacedLoadResult> {
  const target = new URL(options.url);
  if (target.hostname !== '127.0.0.1' && target.hostname !== 'localhost')
    throw new Error('load is only ever sent to this machine (127.0.0.1)');
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
  const total = Math.round(options.rate * options.durationS);
  const interval = 1000 / options.rate;
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  let answered = 0;
  let lastAnswer = 0;

  const send = (i: number, due: number) =>
    new Promise<void>((resolve) => {
      const r = options.request(i);
      const req = http.request(
        {
          host: target.hostname,
          port: target.port,
          method: r.method,
          path: r.path,
          agent,
          headers: {
            ...r.headers,
            ...(r.body !== undefined ? { 'content-length': String(Buffer.byteLength(r.body)) } : {}),
          },
        },
        (res) => {
          res.on('data', () => undefined);
          res.on('end', () => {
            const now = performance.now();
            latencies.push(now - due);
            const cls = `${String(res.statusCode).slice(0, 1)}xx`;
            statuses[cls] = (statuses[cls] ?? 0) + 1;
            answered++;
            lastAnswer = now;
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(r.body);
    });

  const inFlight: Promise<void>[] = [];
  const start = performance.now();
  let sent = 0;
  while (sent < total) {
    const now = performance.now();
    const due = Math.min(total, Math.floor((now - start) / interval) + 1);
    while (sent < due) {
      inFlight.push(send(sent, start + sent * interval));
      sent++;
    }
    // A timer, never a busy loop: the generator shares the cores with what it measures. Requests
    // that fall due while it sleeps go out together on waking, and their wait is counted.
    const next = start + sent * interval - performance.now();
    await new Promise((r) => setTimeout(r, Math.max(1, Math.floor(next))));
  }
  const sendEnd = performance.now();
  await Promise.race([Promise.all(inFlight), new Promise((r) => setTimeout(r, options.drainMs ?? 10_000))]);
  agent.destroy();
  const sorted = latencies.sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    sent,
    answered,
    errors,
    statuses,
    answeredPerSecond: Math.round((answered * 1000) / Math.max(sendEnd - start, lastAnswer - start)),
    p50Ms: round(percentile(sorted, 50)),
    p90Ms: round(percentile(sorted, 90)),
    p99Ms: round(percentile(sorted, 99)),
    maxMs: round(sorted[sorted.length - 1] ?? Number.NaN),
  };
}
