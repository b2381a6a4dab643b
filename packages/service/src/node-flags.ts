/**
 * Node flags per service, kept in one place: `npm start` (infra/hub/start.ts) and the benchmarks
 * use this; the services' npm start scripts and docker-compose (NODE_OPTIONS) repeat it, and a unit
 * test keeps those copies in step.
 *
 * The gateway runs with `--max-semi-space-size=64` (MiB; V8's default is 16 on 64-bit). It
 * allocates briefly and a lot (request bodies, parsed events, serialized records), and with a small
 * young generation it scavenged every few milliseconds, also promoting objects still in use. On the
 * ingest benchmark that took it from 49 to 39-42 µs of CPU per event and from 21k to 26k events/s.
 *
 * The read services keep V8's default on purpose: a larger young generation means fewer but longer
 * scavenges, and a scavenge stops every request in flight. Measured on the projection's GET
 * benchmark at 1,000 requests/s: 64 MiB gave 44 scavenges of 12 ms on average in 20 s (GET p99
 * 21-29 ms), 16 MiB gave 177 of 3.3 ms (p99 16 ms), for about the same total GC time.
 *
 * The projection's rebuild CLI (`projection:rebuild`) serves no requests, so only throughput counts.
 * Catching up, the consumer keeps a few thousand parsed events alive across each transaction's
 * round trips; with 16 MiB they outlived two scavenges and were copied into the old generation,
 * and GC was a quarter of the consumer thread. With a 128 MiB semi-space most die young: on the
 * catch-up benchmark (1M events) 32.6-36.2k became 40.5-42.6k events/s.
 */
const flags: Readonly<Record<string, readonly string[]>> = {
  gateway: ['--max-semi-space-size=64'],
  'projection:rebuild': ['--max-semi-space-size=128'],
};

export function serviceNodeFlags(service: string): readonly string[] {
  return flags[service] ?? [];
}
