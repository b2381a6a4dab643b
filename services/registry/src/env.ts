import { checkKafkaSecurityEnv, kafkaSecurityEnv } from '@ketenhub/kafka';
import { authEnv, checkWebhookKey, commonEnv, webhookEnv, withWebhookKey } from '@ketenhub/service';
import { z } from 'zod';

/** The registry's configuration, parsed once in src/index.ts. */
export const registryEnv = commonEnv
  .extend(kafkaSecurityEnv.shape)
  .extend(authEnv.shape)
  .extend(webhookEnv.shape)
  .extend({
    /** HTTP port of the operator API. */
    REGISTRY_PORT: z.coerce.number().int().min(0).max(65535).default(8082),
    /** Interface to bind; 0.0.0.0 in a container. */
    REGISTRY_HOST: z.string().min(1).default('127.0.0.1'),
    /**
     * Operator token for every /systems and /dev endpoint. High-entropy secret (at least 32
     * characters); compared in constant time.
     */
    KETENHUB_ADMIN_TOKEN: z.string().min(32, 'at least 32 characters'),
    /** How long a registration may wait for Kafka to confirm the system's state record before 503. */
    REGISTRY_PUBLISH_TIMEOUT_MS: z.coerce.number().int().min(100).default(5_000),
    /** How long the previous signing secret keeps signing after a rotation, in seconds (default a day). */
    REGISTRY_WEBHOOK_SECRET_GRACE_S: z.coerce
      .number()
      .int()
      .min(0)
      .max(7 * 86_400)
      .default(86_400),
    /**
     * The CloudEvents webhook handshake when a subscription is made: `required` refuses a receiver
     * that does not consent (docs/onboarding.md section 4); `off` skips it (only for receivers that
     * cannot answer OPTIONS yet, during their migration).
     */
    REGISTRY_WEBHOOK_HANDSHAKE: z.enum(['required', 'off']).default('required'),
    /** How long the receiver has to answer the handshake. */
    REGISTRY_WEBHOOK_HANDSHAKE_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
    /**
     * `WebHook-Request-Origin`: the name the hub asks receivers' consent under. The same value as the
     * dispatcher's, which sends it with every delivery.
     */
    KETENHUB_WEBHOOK_ORIGIN: z.string().min(1).default('ketenhub.local'),
    /**
     * The registry's public base URL (e.g. `https://registry.hub.example.nl`): the `url` fields and
     * `Location` of the ZGW façade (/api/v1/abonnement, /api/v1/kanaal). Unset: the request's own
     * scheme and Host header (right when nothing rewrites them in between).
     */
    REGISTRY_PUBLIC_URL: z.url().optional(),
  })
  .superRefine((env, ctx) => {
    checkWebhookKey(env, ctx);
    checkKafkaSecurityEnv(env, ctx);
  })
  .transform(withWebhookKey);
export type RegistryEnv = z.infer<typeof registryEnv>;
