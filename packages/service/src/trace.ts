import { randomFillSync } from 'node:crypto';

/** W3C Trace Context `traceparent`: version-traceid-parentid-flags. */
const traceparentPattern = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export interface TraceContext {
  traceId: string;
  spanId: string;
  flags: string;
}

export function parseTraceparent(value: string | undefined): TraceContext | undefined {
  if (!value) return undefined;
  const m = traceparentPattern.exec(value.trim());
  if (!m?.[1] || !m[2] || !m[3]) return undefined;
  // All-zero ids are invalid by the spec.
  if (/^0+$/.test(m[1]) || /^0+$/.test(m[2])) return undefined;
  return { traceId: m[1], spanId: m[2], flags: m[3] };
}

export function formatTraceparent(ctx: TraceContext): string {
  return `00-${ctx.traceId}-${ctx.spanId}-${ctx.flags}`;
}

/**
 * Random bytes for ids, drawn from a pool refilled 4 KiB at a time: one `getrandom` call per 512
 * span ids instead of one per request (measured at a few µs each on a virtual machine, more than
 * the rest of the trace work). Same generator (the CSPRNG), so the ids are as unpredictable.
 */
const pool = Buffer.alloc(4_096);
let poolUsed = pool.length;
function randomHex(bytes: number): string {
  if (poolUsed + bytes > pool.length) {
    randomFillSync(pool);
    poolUsed = 0;
  }
  const hex = pool.toString('hex', poolUsed, poolUsed + bytes);
  poolUsed += bytes;
  return hex;
}

/** A child span of `parent` (same trace, new span id), or a new sampled trace. */
export function childTrace(parent?: TraceContext): TraceContext {
  return {
    traceId: parent?.traceId ?? randomHex(16),
    spanId: randomHex(8),
    flags: parent?.flags ?? '01',
  };
}
