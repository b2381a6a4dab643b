import { AppError } from '@ketenhub/service';
import { z } from 'zod';

/**
 * The feed's cursor: per partition of the domain topics, the offset of the last event handed out.
 * The projector commits a partition's batches in order, so every event at or below that offset is
 * already in the feed: resuming from the cursor misses nothing and repeats nothing, whatever
 * happened in between (a hub restart, a rebuilt projection version: the offsets are the log's).
 * Opaque to clients (base64url JSON); they only send back what they were given.
 */
export type Cursor = Map<string, { topic: string; partitie: number; offset: number }>;

const schema = z.strictObject({
  v: z.literal(1),
  p: z.array(z.tuple([z.string().min(1).max(249), z.int().min(0), z.int().min(-1)])).max(10_000),
});

const keyOf = (topic: string, partitie: number) => `${topic}\u0000${partitie}`;

export function encodeCursor(cursor: Cursor): string {
  const p = [...cursor.values()]
    .sort((a, b) => (a.topic === b.topic ? a.partitie - b.partitie : a.topic < b.topic ? -1 : 1))
    .map((c) => [c.topic, c.partitie, c.offset]);
  return Buffer.from(JSON.stringify({ v: 1, p }), 'utf8').toString('base64url');
}

const badCursor = () =>
  new AppError('invalid-request', 'query.after: must be a cursor this feed handed out', {
    violations: [
      { field: 'query.after', rule: 'cursor', message: 'query.after: must be a cursor this feed handed out' },
    ],
  });

export function decodeCursor(text: string | undefined): Cursor {
  const cursor: Cursor = new Map();
  if (text === undefined) return cursor;
  if (!/^[A-Za-z0-9_-]{1,100000}$/.test(text)) throw badCursor();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }
  const r = schema.safeParse(parsed);
  if (!r.success) throw badCursor();
  for (const [topic, partitie, offset] of r.data.p)
    cursor.set(keyOf(topic, partitie), { topic, partitie, offset });
  return cursor;
}

/** The cursor moved past the given events. */
export function advance(
  cursor: Cursor,
  rows: readonly { topic: string; partitie: number; kafka_offset: string | number }[],
): Cursor {
  const next: Cursor = new Map(cursor);
  for (const r of rows) {
    const key = keyOf(r.topic, r.partitie);
    const offset = Number(r.kafka_offset);
    if ((next.get(key)?.offset ?? -1) < offset)
      next.set(key, { topic: r.topic, partitie: r.partitie, offset });
  }
  return next;
}

/** The cursor moved to `offsets` (partition key `topic NUL partition` → offset) where they are further. */
export function advanceTo(cursor: Cursor, offsets: ReadonlyMap<string, number>): Cursor {
  const next: Cursor = new Map(cursor);
  for (const [key, offset] of offsets) {
    const [topic, partitie] = key.split('\u0000') as [string, string];
    if ((next.get(key)?.offset ?? -1) < offset) next.set(key, { topic, partitie: Number(partitie), offset });
  }
  return next;
}
