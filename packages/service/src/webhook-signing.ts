import { hkdfSync } from 'node:crypto';
import { z } from 'zod';
import { envFlag } from './env';
import { cidrProblem } from './webhook-target';

/** Recognisable prefix, like the system tokens' `khs_`: secret scanners and people can tell what it is. */
export const signingSecretPrefix = 'whsec_';

/**
 * The signing secret of one version of a subscription's secret: HKDF-SHA256 over the hub's webhook
 * master key (`KETENHUB_WEBHOOK_KEY`), salt `ketenhub/webhook-signing/v1`, info
 * `<subscription id>/<version>`, 32 bytes, base64url after `whsec_`.
 *
 * Why derived and not stored: HMAC signing needs the secret itself, so a stored secret could not be
 * hashed like a token. Deriving it means no secret is stored anywhere: the registry shows it once,
 * the dispatcher derives the same value when it signs, and a database dump or the state topic holds
 * nothing that signs. Rotating means a new version number; leaking the master key means rotating the
 * master key (every subscriber gets a new secret). Both services use this one function.
 */
export function deriveSigningSecret(masterKey: string, subscriptionId: string, version: number): string {
  const key = hkdfSync(
    'sha256',
    Buffer.from(masterKey, 'utf8'),
    Buffer.from('ketenhub/webhook-signing/v1', 'utf8'),
    Buffer.from(`${subscriptionId}/${version}`, 'utf8'),
    32,
  );
  return `${signingSecretPrefix}${Buffer.from(key).toString('base64url')}`;
}

/** The development master key, only ever used with KETENHUB_DEV_TOKENS=true and no key set. */
export const devWebhookKey = 'ketenhub-dev-webhook-key-not-for-production';

/** The webhook variables of the registry and the dispatcher (extend a service's env with `.shape`). */
export const webhookEnv = z.object({
  /**
   * Master key webhook signing secrets are derived from; the same value in the registry and the
   * dispatcher. Required unless KETENHUB_DEV_TOKENS=true, which falls back to {@link devWebhookKey}.
   */
  KETENHUB_WEBHOOK_KEY: z.string().min(32, 'at least 32 characters').optional(),
  /** Allow plain-http webhook URLs to this machine (localhost, 127.0.0.0/8, ::1): development, demo, tests. */
  KETENHUB_WEBHOOK_LOCAL_HTTP: envFlag.default(false),
  /**
   * Non-public networks webhooks may go to anyway, comma-separated CIDRs (e.g. `10.20.0.0/16`): a
   * receiver inside the municipality's network over a VPN. Every other private, loopback and
   * link-local address stays refused, at subscription and at every delivery.
   */
  KETENHUB_WEBHOOK_ALLOW_NETWORKS: z
    .string()
    .default('')
    .transform((raw, ctx) => {
      const cidrs = raw
        .split(',')
        .map((c) => c.trim())
        .filter(Boolean);
      for (const cidr of cidrs) {
        const problem = cidrProblem(cidr);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }
      return cidrs;
    }),
});

/** For a service env's superRefine: the key is required outside dev mode. */
export function checkWebhookKey(
  env: { KETENHUB_WEBHOOK_KEY?: string | undefined; KETENHUB_DEV_TOKENS: boolean },
  ctx: z.RefinementCtx,
): void {
  if (!env.KETENHUB_WEBHOOK_KEY && !env.KETENHUB_DEV_TOKENS) {
    ctx.addIssue({
      code: 'custom',
      path: ['KETENHUB_WEBHOOK_KEY'],
      message: 'is required unless KETENHUB_DEV_TOKENS=true (webhook signing secrets are derived from it)',
    });
  }
}

/** For a service env's transform: the configured key, or the development key in dev mode. */
export function withWebhookKey<E extends { KETENHUB_WEBHOOK_KEY?: string | undefined }>(
  env: E,
): E & { KETENHUB_WEBHOOK_KEY: string } {
  return { ...env, KETENHUB_WEBHOOK_KEY: env.KETENHUB_WEBHOOK_KEY ?? devWebhookKey };
}
