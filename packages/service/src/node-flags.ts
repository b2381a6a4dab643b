/**
 * Node flags every service runs with (`npm start`, the Dockerfile, the benchmarks), kept in one place.
 *
 * `--max-semi-space-size=64` (MiB; V8's default is 16 on 64-bit): the services allocate briefly
 * and a lot (request bodies, parsed events, serialized records), so a small young generation means a
 * scavenge every few milliseconds that also promotes objects still in use. On the ingest benchmark
 * the gateway went from 49 to 39-42 µs of CPU per event and from 21k to 26k events/s (README,
 * Performance). The price is up to 3 x 64 MiB more young-generation memory per process at peak.
 */
export const serviceNodeFlags: readonly string[] = ['--max-semi-space-size=64'];
