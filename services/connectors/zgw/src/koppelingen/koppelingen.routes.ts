import { isUuid, toViolations, uuidSchema } from '@ketenhub/events';
import { AppError } from '@ketenhub/service';
import { Router } from 'express';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { BronRuntime } from '../config/bronnen';
import type { ConnectorDatabase } from '../db';
import { requeue, unfinishedOfZaak } from '../notificaties/notificaties.repository';
import { ensureKoppeling, findKoppeling, toKoppeling } from './koppelingen.repository';

export interface KoppelingenDeps {
  db: Kysely<ConnectorDatabase>;
  bronnen: ReadonlyMap<string, BronRuntime>;
  /** Notifications were queued again: wake the worker. */
  onRequeued: () => void;
}

const bodySchema = z.strictObject({
  ketenzaakId: uuidSchema,
  /** The source, when the zaak is given by uuid or its URL fits more than one source's Zaken API. */
  bron: z.string().min(1).optional(),
});

const rootOf = (bron: BronRuntime) => `${bron.config.zgw.zaken.replace(/\/+$/, '')}/`;

/**
 * Which zaak a path names: the zaak URL (percent-encoded as one path segment) or its uuid, in a
 * source's Zaken API. 400 when it names none, or names it ambiguously.
 */
function resolveZaak(
  bronnen: ReadonlyMap<string, BronRuntime>,
  raw: string,
  bronId: string | undefined,
): { bron: BronRuntime; zaakUrl: string } {
  const candidates = bronId
    ? [bronnen.get(bronId)].filter((b): b is BronRuntime => !!b)
    : [...bronnen.values()];
  if (bronId && candidates.length === 0) {
    throw new AppError('invalid-request', `no source ${bronId}`, {
      violations: [{ field: 'bron', rule: 'bron', message: 'bron: is not a configured source' }],
    });
  }
  const invalid = (message: string) =>
    new AppError('invalid-request', message, {
      violations: [{ field: 'zaak', rule: 'zaak', message: `zaak: ${message}` }],
    });
  if (isUuid(raw)) {
    if (candidates.length !== 1) throw invalid('a zaak uuid needs bron in the body (more than one source)');
    const bron = candidates[0]!;
    return { bron, zaakUrl: `${rootOf(bron)}zaken/${raw.toLowerCase()}` };
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid('must be a zaak URL (percent-encoded) or a zaak uuid');
  }
  const zaakUrl = url.toString();
  const matching = candidates.filter((b) => zaakUrl.startsWith(`${rootOf(b)}zaken/`));
  if (matching.length === 0) throw invalid("is not a zaak in a configured source's Zaken API");
  if (matching.length > 1) throw invalid('fits more than one source: give bron in the body');
  return { bron: matching[0]!, zaakUrl };
}

/**
 * The integrator's links between zaken and chain cases (operator token). A link made here wins over
 * every automatic rule, and the zaak's notifications that waited for it (or found no zaaktype) are
 * queued again at once, oldest first.
 */
export function koppelingenRouter(deps: KoppelingenDeps): Router {
  const router = Router();

  router.put('/links/:zaak', async (req, res) => {
    const parsed = bodySchema.safeParse(req.body);
    if (!parsed.success) {
      throw new AppError('invalid-request', 'the link is not valid', {
        violations: toViolations(parsed.error.issues, [], req.body),
      });
    }
    const { bron, zaakUrl } = resolveZaak(deps.bronnen, String(req.params.zaak), parsed.data.bron);
    const ketenzaakId = parsed.data.ketenzaakId.toLowerCase();
    const { before, held, queued } = await deps.db.transaction().execute(async (trx) => {
      const before = await findKoppeling(trx, bron.config.id, zaakUrl);
      const held = await ensureKoppeling(trx, {
        bron: bron.config.id,
        zaakUrl,
        ketenzaakId,
        herkomst: 'integrator',
      });
      const queued =
        held.ketenzaak_id === ketenzaakId
          ? await requeue(trx, await unfinishedOfZaak(trx, bron.config.id, zaakUrl))
          : [];
      return { before, held, queued };
    });
    if (held.ketenzaak_id !== ketenzaakId) {
      throw new AppError(
        'conflict',
        'the zaak is linked to another chain case; a zaak belongs to one chain case',
        {
          violations: [
            {
              field: 'ketenzaakId',
              rule: 'een-ketenzaak',
              message: `ketenzaakId: the zaak is linked to ${held.ketenzaak_id} (${held.herkomst})`,
            },
          ],
        },
      );
    }
    if (queued.length > 0) deps.onRequeued();
    res.status(before ? 200 : 201).json({ ...toKoppeling(held), opnieuwInBehandeling: queued.length });
  });

  router.get('/links/:zaak', async (req, res) => {
    const bronId = typeof req.query.bron === 'string' ? req.query.bron : undefined;
    const { bron, zaakUrl } = resolveZaak(deps.bronnen, String(req.params.zaak), bronId);
    const row = await findKoppeling(deps.db, bron.config.id, zaakUrl);
    if (!row) throw new AppError('not-found', 'the zaak is not linked to a chain case');
    res.json(toKoppeling(row));
  });

  return router;
}
