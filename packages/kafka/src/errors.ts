/**
 * Kafka's answers the hub acts on, told apart by Kafka's own error code names (the protocol's,
 * e.g. `TOPIC_AUTHORIZATION_FAILED`), whichever client library raised them.
 */

/** The broker took no (confirmed) write because too few replicas are in sync: retry later. */
export type RefusalCode = 'NOT_ENOUGH_REPLICAS' | 'NOT_ENOUGH_REPLICAS_AFTER_APPEND';

export const isRefusalCode = (code: string | undefined): code is RefusalCode =>
  code === 'NOT_ENOUGH_REPLICAS' || code === 'NOT_ENOUGH_REPLICAS_AFTER_APPEND';

/** Codes that mean "who you are may not do this" (or "who you are could not be established"). */
const accessDenied: ReadonlySet<string> = new Set([
  'TOPIC_AUTHORIZATION_FAILED',
  'GROUP_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
  'SASL_AUTHENTICATION_FAILED',
  'ILLEGAL_SASL_STATE',
  'UNSUPPORTED_SASL_MECHANISM',
]);

/**
 * The Kafka error code name in an error from kafkajs or @platformatic/kafka, looking through the
 * wrappers both put around it (retries exceeded, aggregate and multiple errors, causes).
 * Undefined when it carries none (a network error, a timeout, a bug).
 */
export function kafkaErrorCode(error: unknown): string | undefined {
  return findCode(error, 0);
}

function findCode(error: unknown, depth: number): string | undefined {
  if (depth > 8 || typeof error !== 'object' || error === null) return undefined;
  const e = error as Record<string, unknown>;
  // @platformatic/kafka's ProtocolError
  if (typeof e.apiId === 'string') return e.apiId;
  // kafkajs' KafkaJSProtocolError and its subclasses
  if (typeof e.type === 'string' && /^[A-Z][A-Z_]+$/.test(e.type)) return e.type;
  // Both raise their own error, without the protocol code, when the SASL exchange fails.
  if (e.name === 'KafkaJSSASLAuthenticationError' || e.code === 'PLT_KFK_AUTHENTICATION')
    return 'SASL_AUTHENTICATION_FAILED';
  const nested = [...(Array.isArray(e.errors) ? e.errors : []), e.cause, e.originalError];
  for (const inner of nested) {
    const code = findCode(inner, depth + 1);
    if (code) return code;
  }
  return undefined;
}

/** True when Kafka refused who the client is or what it asked for (SASL or ACLs): retrying will not help. */
export const isKafkaAccessDenied = (error: unknown): boolean => {
  const code = kafkaErrorCode(error);
  return code !== undefined && accessDenied.has(code);
};

/**
 * kafkajs logs a failed produce attempt as "Failed to send messages: <the code's text>" and retries;
 * the log line is the only place the code shows while the write is still being retried.
 */
export function refusalInKafkajsLog(message: string): RefusalCode | undefined {
  if (!message.includes('fewer in-sync replicas than required')) return undefined;
  return message.includes('written to the log') ? 'NOT_ENOUGH_REPLICAS_AFTER_APPEND' : 'NOT_ENOUGH_REPLICAS';
}
