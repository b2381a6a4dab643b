import { randomUUID } from 'node:crypto';
import { type Publisher, PublishTimeoutError } from '@ketenhub/kafka';
import { AppError, checkWebhookHost, deriveSigningSecret } from '@ketenhub/service';
import type { Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';
import { findSystem } from '../systems/systems.repository';
import type { RegistryDatabase, SystemRow } from '../systems/systems.table';
import { webhookHandshake } from './handshake';
import { subscriptionKafkaRecord } from './state-topic';
import {
  type Subscription,
  type SubscriptionRequest,
  type SubscriptionStatus,
  typeViolations,
  urlViolations,
} from './subscription';
import {
  findSubscription,
  insertSubscription,
  listSubscriptions,
  toSubscription,
  touchSubscriptionsOf,
  updateSubscription,
} from './subscriptions.repository';
import type { SubscriptionRow } from './subscriptions.table';

export interface SubscriptionsDeps {
  db: Kysely<RegistryDatabase>;
  publisher: Publisher;
  logger: Logger;
  topicPrefix: string;
  publishTimeoutMs: number;
  /** `KETENHUB_WEBHOOK_KEY`: the master key signing secrets are derived from. */
  webhookKey: string;
  /** `KETENHUB_WEBHOOK_LOCAL_HTTP`. */
  allowLocalHttp: boolean;
  /** Default rotation grace period, in seconds. */
  secretGraceS: number;
  /** The CloudEvents handshake at creation; absent: not asked (REGISTRY_WEBHOOK_HANDSHAKE=off). */
  handshake?: { origin: string; timeoutMs: number };
}

export type SubscriptionsService = ReturnType<typeof createSubscriptionsService>;

type Trx = Transaction<RegistryDatabase>;

/**
 * Webhook subscriptions of systems. Like systems, every change is written to the table and, before
 * the commit, to the compacted state topic the dispatcher reads; if Kafka does not confirm, the
 * change rolls back and the operator gets 503. Secrets are derived, never stored (deriveSigningSecret in packages/service).
 */
export function createSubscriptionsService(deps: SubscriptionsDeps) {
  // Shown in the form Standard Webhooks uses (`whsec_` + base64 of the key); the dispatcher signs
  // with the same key bytes. Secrets shown before were base64url: the same key (docs/onboarding.md).
  const secretOf = (row: SubscriptionRow) =>
    standardSecretForm(deriveSigningSecret(deps.webhookKey, row.id, row.secret_version));

  const publish = async (rows: SubscriptionRow[], system: SystemRow) => {
    if (rows.length === 0) return;
    try {
      await deps.publisher.publish(
        rows.map((r) => subscriptionKafkaRecord(deps.topicPrefix, r, system)),
        { timeoutMs: deps.publishTimeoutMs },
      );
    } catch (error) {
      deps.logger.warn({ err: error, systemId: system.id }, 'subscription state not confirmed by Kafka');
      throw new AppError(
        'unavailable',
        'Kafka did not confirm the change in time; nothing was changed, retry',
        {
          retryAfterS: error instanceof PublishTimeoutError ? 5 : 2,
        },
      );
    }
  };

  const inTransaction = <T>(fn: (trx: Trx) => Promise<T>) => deps.db.transaction().execute(fn);

  const systemOf = async (trx: Trx, systemId: string, options: { active?: boolean } = {}) => {
    // Locked: a revocation running at the same time either sees this subscription or waits for it.
    const system = await findSystem(trx, systemId, { forUpdate: true });
    if (!system) throw new AppError('not-found', `no system with id ${systemId}`);
    if (options.active && system.revoked_at) {
      throw new AppError('conflict', 'the system is revoked; it receives nothing more');
    }
    return system;
  };

  const existing = async (trx: Trx, systemId: string, id: string) => {
    const row = await findSubscription(trx, systemId, id, { forUpdate: true });
    if (!row || row.status === 'deleted') throw new AppError('not-found', `no subscription with id ${id}`);
    return row;
  };

  const setStatus = async (systemId: string, id: string, status: SubscriptionStatus) => {
    const row = await inTransaction(async (trx) => {
      const system = await systemOf(trx, systemId, { active: status !== 'deleted' });
      const current = await existing(trx, systemId, id);
      if (current.status === status) return current;
      const updated = await updateSubscription(trx, id, { status });
      await publish([updated], system);
      return updated;
    });
    deps.logger.info({ systemId, subscriptionId: id, status }, 'subscription status changed');
    return toSubscription(row);
  };

  return {
    async create(systemId: string, request: SubscriptionRequest): Promise<Subscription & { secret: string }> {
      // What can be refused without the receiver is refused first; the handshake is asked before
      // the transaction, so no row lock is held while a receiver takes its time. The transaction
      // checks the system again (a revocation meanwhile wins).
      const known = await findSystem(deps.db, systemId);
      if (!known) throw new AppError('not-found', `no system with id ${systemId}`);
      if (known.revoked_at) throw new AppError('conflict', 'the system is revoked; it receives nothing more');
      const types = request.types ?? known.consumes;
      const violations = [
        ...urlViolations(request.url, { allowLocalHttp: deps.allowLocalHttp }),
        ...typeViolations(types, known.consumes),
      ];
      if (types.length === 0) {
        violations.push({
          field: 'types',
          rule: 'consumes',
          message: 'types: the system consumes no types; register what it consumes first',
        });
      }
      if (violations.length === 0) {
        // What the host resolves to, before the registry itself sends anything there (the
        // handshake): no private, link-local or loopback receivers (SSRF). A name that does not
        // resolve yet is not refused here (the handshake, when on, fails on it); the dispatcher
        // checks the address it connects to at every delivery, because DNS can change.
        const verdict = await checkWebhookHost(new URL(request.url).hostname, {
          allowLoopback: deps.allowLocalHttp,
        });
        if (verdict?.kind === 'refused') {
          violations.push({ field: 'url', rule: 'url-target', message: `url: the host ${verdict.reason}` });
        }
      }
      if (violations.length > 0) {
        throw new AppError('invalid-request', 'the subscription is not valid', { violations });
      }
      let allowedRate: number | null = null;
      if (deps.handshake) {
        const answer = await webhookHandshake(request.url, deps.handshake.origin, deps.handshake.timeoutMs);
        if (!answer.ok) {
          throw new AppError(
            'invalid-request',
            'the receiver did not consent to webhooks (CloudEvents handshake)',
            {
              violations: [answer.violation],
            },
          );
        }
        allowedRate = answer.allowedRate;
      }
      const backfill =
        request.backfill === undefined
          ? null
          : { from: request.backfill === true ? null : (request.backfill.from ?? null) };
      const row = await inTransaction(async (trx) => {
        const system = await systemOf(trx, systemId, { active: true });
        const inserted = await insertSubscription(trx, {
          id: randomUUID(),
          system_id: systemId,
          url: request.url,
          types: (request.types ?? system.consumes).filter((t) => system.consumes.includes(t)),
          status: 'active',
          allowed_rate: allowedRate,
          backfill,
        });
        await publish([inserted], system);
        return inserted;
      });
      deps.logger.info(
        { systemId, subscriptionId: row.id, allowedRate, backfill: backfill !== null },
        'subscription created',
      );
      return { ...toSubscription(row), secret: secretOf(row) };
    },

    async list(systemId: string) {
      const system = await findSystem(deps.db, systemId);
      if (!system) throw new AppError('not-found', `no system with id ${systemId}`);
      return (await listSubscriptions(deps.db, { systemId })).map((r) => toSubscription(r));
    },

    async get(systemId: string, id: string) {
      const row = await findSubscription(deps.db, systemId, id);
      if (!row || row.status === 'deleted') throw new AppError('not-found', `no subscription with id ${id}`);
      return toSubscription(row);
    },

    pause: (systemId: string, id: string) => setStatus(systemId, id, 'paused'),
    resume: (systemId: string, id: string) => setStatus(systemId, id, 'active'),
    delete: (systemId: string, id: string) => setStatus(systemId, id, 'deleted'),

    /**
     * A new secret version. The previous one keeps signing until the grace period ends, so the
     * receiver can deploy the new secret without refusing deliveries in between (the dispatcher
     * sends one `v1=` per valid secret). Rotating again within the grace period ends the older
     * secret at once: only the current and the one before it ever sign.
     */
    async rotate(systemId: string, id: string, graceS = deps.secretGraceS) {
      const row = await inTransaction(async (trx) => {
        const system = await systemOf(trx, systemId, { active: true });
        const current = await existing(trx, systemId, id);
        const updated = await updateSubscription(trx, id, {
          secret_version: current.secret_version + 1,
          previous_secret_valid_until: graceS > 0 ? new Date(Date.now() + graceS * 1000) : null,
        });
        await publish([updated], system);
        return updated;
      });
      deps.logger.info({ systemId, subscriptionId: id, secretVersion: row.secret_version }, 'secret rotated');
      return { ...toSubscription(row), secret: secretOf(row) };
    },

    /**
     * Called inside the revocation's transaction: republishes the system's subscriptions with
     * `systemRevoked`, so the dispatcher stops delivering to it when it reads them.
     */
    async onSystemRevoked(trx: Trx, system: SystemRow) {
      await publish(await touchSubscriptionsOf(trx, system.id), system);
    },

    /**
     * Writes every subscription's state again on start: heals a record lost between publish and
     * commit, and replaces records of an older registry (without the system's roles, which a
     * dispatcher delivers nothing for) with the current shape.
     */
    async republishAll() {
      const rows = await listSubscriptions(deps.db, { withDeleted: true });
      const systems = new Map<string, SystemRow>();
      for (const row of rows) {
        if (!systems.has(row.system_id)) {
          const system = await findSystem(deps.db, row.system_id);
          if (system) systems.set(system.id, system);
        }
      }
      for (let i = 0; i < rows.length; i += 500) {
        await deps.publisher.publish(
          rows.slice(i, i + 500).flatMap((r) => {
            const system = systems.get(r.system_id);
            return system ? [subscriptionKafkaRecord(deps.topicPrefix, r, system)] : [];
          }),
        );
      }
      return rows.length;
    },
  };
}

/** `whsec_` + standard base64 of the key (Standard Webhooks' form of a symmetric secret). */
export function standardSecretForm(secret: string): string {
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
  return `whsec_${key.toString('base64')}`;
}
