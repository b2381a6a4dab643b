/**
 * The SSE latency probe of the catch-up benchmark, as a process of its own (spawned by
 * catchup.bench.ts with a JSON spec on stdin; prints its result as JSON). Run from the
 * benchmark process, which holds the heap of the catch-up, its own GC pauses delayed the reading of
 * the stream and counted as latency, as they did for the GET load (see paced-load-cli.ts).
 *
 * Opens `GET /cases/stream` as a case worker, publishes one `document-toegevoegd` per given chain
 * case at `rate` per second (acks=all), and measures from Kafka's ack to the case's push on the
 * stream. 127.0.0.1 only; bounded by the number of cases and a 15 s drain.
 */

import { event } from '@ketenhub/case-model/testing';
import { toKafkaRecord } from '@ketenhub/events';
import { createKafkaClient, createPublisher, type OutgoingRecord, parseBrokers } from '@ketenhub/kafka';
import { runJsonCli } from '@ketenhub/testkit/json-cli';
import { percentile } from '@ketenhub/testkit/paced-load';

export interface SseProbeSpec {
  url: string;
  token: string;
  brokers: string;
  /** One live event per case, in this order: chain case id and its topic. */
  cases: { id: string; topic: string }[];
  /** Cases for a warm-up at the same rate first, not measured (a fresh process: JIT, connections). */
  warmUpCases: { id: string; topic: string }[];
  rate: number;
}

export interface SseProbeResult {
  eventsPerSecond: number;
  events: number;
  received: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

runJsonCli(async (spec: SseProbeSpec): Promise<SseProbeResult> => {
  if (!/^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(spec.url)) throw new Error('127.0.0.1 only');
  const n = spec.cases.length;
  const acked = new Map<string, number>();
  const seen = new Map<string, number>();
  const latencies: number[] = [];
  const settle = (id: string) => {
    const a = acked.get(id);
    const s = seen.get(id);
    if (a === undefined || s === undefined) return;
    // A push can be read before this process handled the ack: it then counts as 0 ms, not lost.
    if (measuring) latencies.push(Math.max(0, s - a));
    acked.delete(id);
    seen.delete(id);
  };

  const controller = new AbortController();
  const res = await fetch(`${spec.url}/cases/stream`, {
    headers: { authorization: `Bearer ${spec.token}` },
    signal: controller.signal,
  });
  const reader = res.body?.getReader();
  if (!reader) throw new Error(`stream failed: ${res.status}`);
  const decoder = new TextDecoder();
  let buffer = '';
  const readLoop = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let idx = buffer.indexOf('\n\n');
        while (idx >= 0) {
          const block = buffer.slice(0, idx);
          buffer = buffer.slice(idx + 2);
          idx = buffer.indexOf('\n\n');
          // The all-cases stream's ids are resume points, not cases (Last-Event-ID), and a reader's
          // view carries no event count: the live event is the one that adds the LIVE- document.
          const data = /\ndata: (.*)/.exec(`\n${block}`)?.[1];
          if (!data) continue;
          const view = JSON.parse(data) as { id?: string; documenten?: { documentId?: string }[] };
          const live = view.documenten?.some((d) => d.documentId?.startsWith('LIVE-'));
          if (!view.id || !live || seen.has(view.id)) continue;
          seen.set(view.id, performance.now());
          settle(view.id);
        }
      }
    } catch {
      // aborted
    }
  })();
  await new Promise((r) => setTimeout(r, 500));

  const kafka = createKafkaClient({ brokers: parseBrokers(spec.brokers), clientId: 'bench-sse-probe' });
  const publisher = await createPublisher(kafka);
  let measuring = false;
  const publishAll = async (cases: { id: string; topic: string }[]) => {
    const perTick = 5;
    const tickMs = (1000 * perTick) / spec.rate;
    const t0 = performance.now();
    for (let k = 0; k < cases.length; k += perTick) {
      const wait = t0 + (k / perTick) * tickMs - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const batch: OutgoingRecord[] = [];
      const ids: string[] = [];
      for (const [j, c] of cases.slice(k, k + perTick).entries()) {
        ids.push(c.id);
        const e = event(
          c.id,
          'nl.ketens.document-toegevoegd',
          {
            documentId: `LIVE-${k + j}`,
            titel: 'Live',
            documentUrl: 'https://zaak.example/doc',
            mediatype: 'application/pdf',
            vertrouwelijkheid: 'regulier',
          },
          { from: 'gemeente', at: '2026-07-01', id: `${c.id}-live` },
        );
        const r = toKafkaRecord(e);
        batch.push({ topic: c.topic, key: r.key, value: r.value, headers: { ...r.headers } });
      }
      // Not awaited in the pacing loop: the ack time is taken when Kafka confirms.
      void publisher.publish(batch).then(() => {
        const now = performance.now();
        for (const id of ids) {
          acked.set(id, now);
          settle(id);
        }
      });
    }
  };
  await publishAll(spec.warmUpCases);
  await new Promise((r) => setTimeout(r, 1_000));
  latencies.length = 0;
  measuring = true;
  await publishAll(spec.cases);
  const deadline = Date.now() + 15_000;
  while (latencies.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  controller.abort();
  await readLoop;
  await publisher.close();
  const sorted = latencies.sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    eventsPerSecond: spec.rate,
    events: n,
    received: latencies.length,
    p50Ms: round(percentile(sorted, 50)),
    p95Ms: round(percentile(sorted, 95)),
    p99Ms: round(percentile(sorted, 99)),
    maxMs: round(sorted[sorted.length - 1] ?? Number.NaN),
  };
});
