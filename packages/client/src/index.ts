/**
 * @ketenhub/client: publish CloudEvents to a Ketenhub gateway and verify webhook deliveries.
 * The transactional outbox lives behind `@ketenhub/client/outbox` (it needs `pg`).
 */
export {
  type Accepted,
  type BatchResult,
  type ClientOptions,
  createClient,
  type EventInput,
  EventValidationError,
  type KetenhubClient,
  type Problem,
  PublishError,
  type RetryOptions,
} from './publish';
export {
  parseWebhook,
  signatureHeader,
  signStandardWebhook,
  signWebhook,
  standardHeaders,
  verifyWebhook,
  type WebhookVerification,
  webhookHandshake,
} from './webhooks';
