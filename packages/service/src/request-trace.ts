import type { TraceContext } from './trace';

// Every request carries its W3C trace (set by createBaseApp), so handlers can put it in the
// events they publish and in the processing log.
declare global {
  namespace Express {
    interface Request {
      /** The W3C trace this request belongs to (from `traceparent`, or a new one). */
      trace: TraceContext;
    }
  }
}
