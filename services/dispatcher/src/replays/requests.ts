import { z } from 'zod';

const offset = z.union([
  z.number().int().min(0),
  z.string().regex(/^\d+$/, { error: 'must be an offset (a non-negative integer)' }),
]);
const offsets = z.record(
  z.string().regex(/^.+:\d+$/, { error: 'keys must be "<topic>:<partition>"' }),
  offset,
);
const datetime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time with offset' });
const cases = z
  .array(z.uuid({ error: 'must be a chain case id (uuid)' }))
  .min(1)
  .max(10_000);
const types = z.array(z.string().min(1)).min(1).max(200);

/**
 * `POST /subscriptions/{id}/replays`. A window of the log: from `from` (or `fromOffsets`, which then
 * names the partitions), up to `to` (or `toOffsets`; default: as far as the fan-out has read).
 * Times are the records' log times (Kafka timestamps), not the events' own `time`.
 */
export const replayRequestSchema = z
  .strictObject({
    from: datetime.optional(),
    to: datetime.optional(),
    fromOffsets: offsets.optional(),
    toOffsets: offsets.optional(),
    cases: cases.optional(),
    types: types.optional(),
    dryRun: z.boolean().default(true),
  })
  .superRefine((r, ctx) => {
    if (r.from === undefined && r.fromOffsets === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['from'],
        message: 'from or fromOffsets is required (a replay of the whole log is a backfill)',
        params: { rule: 'required' },
      });
    }
    if (r.from && r.to && Date.parse(r.to) <= Date.parse(r.from)) {
      ctx.addIssue({
        code: 'custom',
        path: ['to'],
        message: 'must be after from',
        params: { rule: 'after-from' },
      });
    }
  });
export type ReplayRequest = z.output<typeof replayRequestSchema>;

/** `POST /subscriptions/{id}/backfill`: the history of the cases the subscriber takes part in (from `from`). */
export const backfillRequestSchema = z.strictObject({
  from: datetime.optional(),
  cases: cases.optional(),
  types: types.optional(),
  dryRun: z.boolean().default(true),
});
export type BackfillRequest = z.output<typeof backfillRequestSchema>;

export const requeueRequestSchema = z
  .strictObject({
    ids: z
      .array(z.string().regex(/^\d+$/, { error: 'must be a delivery id' }))
      .max(10_000)
      .optional(),
    /** Count what would be re-queued and change nothing. */
    dryRun: z.boolean().default(false),
  })
  .default({ dryRun: false });
