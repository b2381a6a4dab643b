import type { IncomingMessage } from 'node:http';
import { type Refused, refused } from '../outcome';
import { jsonArrayElements } from './json-array';

export const CE_SINGLE = 'application/cloudevents+json';
export const CE_BATCH = 'application/cloudevents-batch+json';

/** `single` or `batch` from the Content-Type (parameters such as charset=utf-8 allowed), or 415. */
export function contentKind(header: string | undefined): 'single' | 'batch' | Refused {
  const [mediaType = '', ...params] = (header ?? '').split(';').map((p) => p.trim().toLowerCase());
  const charset = params.find((p) => p.startsWith('charset='));
  if (charset && charset !== 'charset=utf-8') {
    return refused('unsupported-media-type', 'events are UTF-8 JSON; send charset=utf-8 or no charset');
  }
  if (mediaType === CE_SINGLE) return 'single';
  if (mediaType === CE_BATCH) return 'batch';
  return refused(
    'unsupported-media-type',
    `send Content-Type: ${CE_SINGLE} (one event, structured mode) or ${CE_BATCH} (an array)`,
    [
      {
        field: 'content-type',
        rule: 'media-type',
        message: `content-type: must be ${CE_SINGLE} or ${CE_BATCH}`,
      },
    ],
  );
}

const tooLarge = (limit: number) =>
  refused('payload-too-large', `the request body is larger than ${limit} bytes`, [
    { field: '(body)', rule: 'max-size', message: `(body): at most ${limit} bytes` },
  ]);

/** A request header as one string (node:http gives arrays for a few repeated headers). */
export function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The raw body, at most `limit` bytes ('data' events: cheaper per request than async iteration).
 * Rejects only when the connection fails; a body over the limit is a refusal.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | Refused> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // Stop reading; node:http discards the rest after the answer, nothing more is parsed.
        done();
        req.pause();
        resolve(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      done();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      done();
      reject(error);
    };
    const done = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/**
 * Reads the body with a byte limit. Read by hand, not by a body-parser middleware, so that
 * authentication and the content type are decided before a single body byte is buffered.
 */
export function readLimited(req: IncomingMessage, limit: number): Promise<Buffer | Refused> {
  const declared = Number(headerOf(req, 'content-length') ?? Number.NaN);
  if (declared > limit) return Promise.resolve(tooLarge(limit));
  return readBody(req, limit);
}

const notJson = () =>
  refused('invalid-request', 'the body is not valid JSON', [
    { field: '(body)', rule: 'json', message: '(body): must be valid JSON' },
  ]);

/**
 * JSON.parse of the UTF-8 body; an array is parsed element by element (see
 * {@link jsonArrayElements}: a batch as one string is costly), with the same result. Arrays longer
 * than `maxElements` are parsed whole (the caller refuses them by their length).
 */
export function parseJson(bytes: Buffer, maxElements?: number): { ok: true; value: unknown } | Refused {
  try {
    const elements = jsonArrayElements(bytes, maxElements);
    if (!elements) return { ok: true, value: JSON.parse(bytes.toString('utf8')) };
    const values: unknown[] = new Array(elements.length);
    for (let i = 0; i < elements.length; i++) values[i] = JSON.parse(elements[i]!.toString('utf8'));
    return { ok: true, value: values };
  } catch {
    return notJson();
  }
}

/** The events of a single-event body (structured mode: one JSON object), or 400. */
export function singleEvent(bytes: Buffer): unknown[] | Refused {
  const body = parseJson(bytes, 1);
  if (!body.ok) return body;
  if (Array.isArray(body.value)) {
    return refused('invalid-request', `an array of events needs Content-Type: ${CE_BATCH}`);
  }
  return [body.value];
}

/** The events of a batch body: a JSON array of 1 to `maxEvents` events, or 400. */
export function batchEvents(bytes: Buffer, maxEvents: number): unknown[] | Refused {
  const body = parseJson(bytes, maxEvents);
  if (!body.ok) return body;
  const events = body.value;
  if (!Array.isArray(events) || events.length === 0 || events.length > maxEvents) {
    return refused('invalid-request', `a batch is a JSON array of 1 to ${maxEvents} events`, [
      { field: '(body)', rule: 'batch', message: `(body): an array of 1 to ${maxEvents} events` },
    ]);
  }
  return events;
}
