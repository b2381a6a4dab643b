export {
  type AuthEnv,
  authEnv,
  bearerToken,
  type CaseWorker,
  type CaseWorkerVerifier,
  caseWorkerAudience,
  createCaseWorkerVerifier,
  devIssuer,
  devIssuerOinPattern,
  type IssuerConfig,
  issuersFromEnv,
  type OinBinding,
  signDevToken,
} from './auth';
export { isDatabaseUnavailable } from './database-unavailable';
export { type CommonEnv, commonEnv, EnvError, envFlag, hubEnv, loadEnv } from './env';
export {
  AppError,
  type ErrorCode,
  errorStatus,
  notFoundHandler,
  type ProblemDetails,
  problemMiddleware,
  problemTypeBase,
  sendProblem,
  toAppError,
  toProblem,
  type Violation,
} from './errors';
export {
  type BaseAppOptions,
  closeServer,
  createBaseApp,
  finishApp,
  jsonBody,
  listen,
  type ReadinessCheck,
} from './http';
export { createLogger, type Logger, type LoggerOptions, redactPaths } from './logger';
export { createMetrics, type Metrics } from './metrics';
export { serviceNodeFlags } from './node-flags';
export { OpenedParts, reachableHost } from './parts';
export { type Closer, onShutdown } from './shutdown';
export { childTrace, formatTraceparent, parseTraceparent, type TraceContext } from './trace';
export { startTsWorker } from './ts-worker';
export { openWebhookAuth, sealWebhookAuth } from './webhook-auth';
export {
  checkWebhookKey,
  deriveSigningSecret,
  devWebhookKey,
  signingSecretPrefix,
  webhookEnv,
  withWebhookKey,
} from './webhook-signing';
export {
  type AddressClass,
  allowNetworks,
  checkWebhookHost,
  cidrProblem,
  classifyAddress,
  guardedLookup,
  refusedAddress,
  type TargetPolicy,
} from './webhook-target';
