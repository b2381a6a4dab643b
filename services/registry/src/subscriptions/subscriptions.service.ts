import { randomUUID } from 'node:crypto';
import type { Violation } from '@ketenhub/events';
import { type Publisher, PublishTimeoutError } from '@ketenhub/kafka';
import {
  AppError,
  allowNetworks,
  checkWebhookHost,
  deriveSigningSecret,
  openWebhookAuth,
  sealWebhookAuth,
  type TargetPolicy,
} from '@ketenhub/service';
import { type KanaalFilter, typesVoorKanalen } from '@ketenhub/zgw-notificaties';
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
  /** `KETENHUB_WEBHOOK_ALLOW_NETWORKS`: non-public networks receivers may be in anyway. */
  allowNetworks?: readonly string[];
  /** Default rotation grace period, in seconds. */
  secretGraceS: number;
  /** The CloudEvents handshake at creation; absent: not asked (REGISTRY_WEBHOOK_HANDSHAKE=off). */
  handshake?: { origin: string; timeoutMs: number };
  /**
   * The check Open Notificaties makes of a ZGW callback before it stores an abonnement (a test
   * notification with the auth value); asked instead of the CloudEvents handshake for `zgw`
   * subscriptions, when the handshake is on. A violation refuses the subscription.
   */
  zgwCallbackCheck?: (url: string, auth: string) => Promise<Violation | undefined>;
}

/** A ZGW-format subscription as the façade gives it (/api/v1/abonnement). */
export interface ZgwSubscriptionRequest {
  callbackUrl: string;
  auth: string;
  kanalen: KanaalFilter[];
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

  const targets: TargetPolicy = {
    allowLoopback: deps.allowLocalHttp,
    allowed: allowNetworks(deps.allowNetworks ?? []),
  };

  /** URL policy and what the host resolves to (SSRF), before the registry itself sends anything there. */
  const targetViolations = async (url: string, field: string): Promise<Violation[]> => {
    const found = urlViolations(url, { allowLocalHttp: deps.allowLocalHttp }).map((v) => ({
      ...v,
      field,
      message: v.message.replace(/^url:/, `${field}:`),
    }));
    if (found.length > 0) return found;
    // A name that does not resolve yet is not refused here (the handshake, when on, fails on it);
    // the dispatcher checks the address it connects to at every delivery, because DNS can change.
    const verdict = await checkWebhookHost(new URL(url).hostname, targets);
    return verdict?.kind === 'refused'
      ? [{ field, rule: 'url-target', message: `${field}: the host ${verdict.reason}` }]
      : [];
  };

  /**
   * The hub types of a ZGW subscription: its kanalen's, narrowed by `type` filters, within what the
   * system registered it consumes. What it may not have is refused (403), not silently dropped: a
   * consumer that asks for a kanaal expects its notifications.
   */
  const zgwTypes = (system: SystemRow, kanalen: KanaalFilter[]) => {
    const { types, refused: ofTypes } = typesVoorKanalen(kanalen, system.consumes);
    // A kanaal is a domain: one the system did not register for is not its to read, even where
    // it consumes chain-level types (they travel on every domain).
    const outside = kanalen.flatMap((k, index) =>
      system.domains.includes(k.naam) ? [] : [{ index, reason: 'consumes' as const }],
    );
    const refused = [...outside, ...ofTypes.filter((r) => !outside.some((o) => o.index === r.index))];
    const unknown = refused.filter((r) => r.reason === 'type-onbekend');
    if (unknown.length > 0) {
      throw new AppError('invalid-request', 'the abonnement is not valid', {
        violations: unknown.map((r) => ({
          field: `kanalen.${r.index}.filters.type`,
          rule: 'type-onbekend',
          message: `kanalen.${r.index}.filters.type: not an event type of kanaal ${kanalen[r.index]?.naam}`,
        })),
      });
    }
    if (refused.length > 0) {
      throw new AppError('forbidden', 'the system does not consume what these kanalen ask for', {
        violations: refused.map((r) => ({
          field: `kanalen.${r.index}`,
          rule: 'consumes',
          message: `kanalen.${r.index}: kanaal ${kanalen[r.index]?.naam}${
            kanalen[r.index]?.filters.type ? ` with type ${kanalen[r.index]?.filters.type}` : ''
          } is not in the system's registered consumes`,
        })),
      });
    }
    return types;
  };

  /**
   * What a ZGW subscription's create or change refuses before the receiver is asked: an unknown or
   * revoked system, a callback URL it may not have (when given), kanalen it does not consume. The
   * transaction asks the kanalen again of the system as it is then.
   */
  const refuseZgw = async (systemId: string, kanalen: KanaalFilter[], callbackUrl?: string) => {
    const known = await findSystem(deps.db, systemId);
    if (!known || known.revoked_at) throw new AppError('not-found', `no system with id ${systemId}`);
    if (callbackUrl !== undefined) {
      const violations = await targetViolations(callbackUrl, 'callbackUrl');
      if (violations.length > 0)
        throw new AppError('invalid-request', 'the abonnement is not valid', { violations });
    }
    zgwTypes(known, kanalen);
  };

  /** The stored auth value, opened: only for the callback check of a change that keeps it. */
  const storedAuth = (row: SubscriptionRow): string => {
    const value = row.auth_sealed ? openWebhookAuth(deps.webhookKey, row.id, row.auth_sealed) : undefined;
    if (value === undefined) {
      throw new AppError(
        'invalid-request',
        'the stored auth value cannot be read (the webhook key changed): give auth again',
        {
          violations: [
            { field: 'auth', rule: 'required', message: 'auth: give the Authorization value again' },
          ],
        },
      );
    }
    return value;
  };

  const zgwCheck = async (url: string, auth: string) => {
    if (!deps.handshake || !deps.zgwCallbackCheck) return;
    const violation = await deps.zgwCallbackCheck(url, auth);
    if (violation) {
      throw new AppError('invalid-request', 'the callback did not accept the test notification', {
        violations: [violation],
      });
    }
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
        ...(await targetViolations(request.url, 'url')),
        ...typeViolations(types, known.consumes),
      ];
      if (types.length === 0) {
        violations.push({
          field: 'types',
          rule: 'consumes',
          message: 'types: the system consumes no types; register what it consumes first',
        });
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

    /**
     * A ZGW-format subscription (the façade's create): the body is a Notificaties API 1.0
     * notification, sent with the registered Authorization value, which is stored sealed only.
     * Same URL rules, same records, same order, retries and replay as any subscription.
     */
    async createZgw(systemId: string, request: ZgwSubscriptionRequest): Promise<SubscriptionRow> {
      await refuseZgw(systemId, request.kanalen, request.callbackUrl);
      await zgwCheck(request.callbackUrl, request.auth);
      const id = randomUUID();
      const row = await inTransaction(async (trx) => {
        const system = await systemOf(trx, systemId, { active: true });
        const inserted = await insertSubscription(trx, {
          id,
          system_id: systemId,
          url: request.callbackUrl,
          types: zgwTypes(system, request.kanalen),
          status: 'active',
          format: 'zgw',
          auth_sealed: sealWebhookAuth(deps.webhookKey, id, request.auth),
          kanalen: JSON.stringify(request.kanalen),
        });
        await publish([inserted], system);
        return inserted;
      });
      // Ids and counts only: never the auth value, nor the callback URL's query.
      deps.logger.info(
        { systemId, subscriptionId: id, kanalen: request.kanalen.length },
        'zgw subscription created',
      );
      return row;
    },

    /** Replaces a ZGW subscription's callback, auth and kanalen (the façade's PUT and PATCH). */
    async replaceZgw(
      systemId: string,
      id: string,
      request: { callbackUrl: string; auth?: string; kanalen: KanaalFilter[] },
    ) {
      const current = await findSubscription(deps.db, systemId, id);
      if (!current || current.status === 'deleted' || current.format !== 'zgw') {
        throw new AppError('not-found', `no abonnement with id ${id}`);
      }
      const urlChanged = request.callbackUrl !== current.url;
      await refuseZgw(systemId, request.kanalen, urlChanged ? request.callbackUrl : undefined);
      if (request.auth !== undefined || urlChanged) {
        // Open Notificaties checks the callback again on every change; so does the hub, with the
        // value that will be sent (the stored one when the request keeps it).
        const auth = request.auth ?? storedAuth(current);
        await zgwCheck(request.callbackUrl, auth);
      }
      const row = await inTransaction(async (trx) => {
        const system = await systemOf(trx, systemId, { active: true });
        await existing(trx, systemId, id);
        const updated = await updateSubscription(trx, id, {
          url: request.callbackUrl,
          types: zgwTypes(system, request.kanalen),
          kanalen: JSON.stringify(request.kanalen),
          ...(request.auth !== undefined
            ? { auth_sealed: sealWebhookAuth(deps.webhookKey, id, request.auth) }
            : {}),
        });
        await publish([updated], system);
        return updated;
      });
      deps.logger.info(
        { systemId, subscriptionId: id, kanalen: request.kanalen.length },
        'zgw subscription changed',
      );
      return row;
    },

    /** A ZGW subscription's row (the façade maps it), or undefined. */
    async findZgw(systemId: string, id: string) {
      const row = await findSubscription(deps.db, systemId, id);
      return row && row.status !== 'deleted' && row.format === 'zgw' ? row : undefined;
    },

    async listZgw(systemId: string) {
      return (await listSubscriptions(deps.db, { systemId })).filter((r) => r.format === 'zgw');
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
