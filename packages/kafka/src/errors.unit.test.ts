import { describe, expect, test } from 'vitest';
import { isKafkaAccessDenied, kafkaErrorCode, refusalInKafkajsLog } from './errors';
import { PublishRefusedError, PublishTimeoutError, Refusals, withTimeout } from './publish-timeout';

describe('kafkaErrorCode', () => {
  test('finds the code through both libraries wrappers', () => {
    // kafkajs: KafkaJSNumberOfRetriesExceeded > KafkaJSProtocolError
    expect(
      kafkaErrorCode({ name: 'KafkaJSNumberOfRetriesExceeded', cause: { type: 'NOT_ENOUGH_REPLICAS' } }),
    ).toBe('NOT_ENOUGH_REPLICAS');
    // @platformatic/kafka: MultipleErrors > NetworkError > AuthenticationError > ResponseError > ProtocolError
    const platformatic = {
      code: 'PLT_KFK_MULTIPLE',
      errors: [{ code: 'PLT_KFK_NETWORK', cause: { code: 'PLT_KFK_AUTHENTICATION' } }],
    };
    expect(kafkaErrorCode(platformatic)).toBe('SASL_AUTHENTICATION_FAILED');
    expect(isKafkaAccessDenied(platformatic)).toBe(true);
    expect(kafkaErrorCode({ errors: [{ apiId: 'TOPIC_AUTHORIZATION_FAILED' }] })).toBe(
      'TOPIC_AUTHORIZATION_FAILED',
    );
    expect(kafkaErrorCode(new Error('socket hang up'))).toBeUndefined();
    expect(isKafkaAccessDenied({ type: 'NOT_ENOUGH_REPLICAS' })).toBe(false);
  });

  test("reads a refusal from kafkajs' log line of a failed attempt", () => {
    expect(
      refusalInKafkajsLog(
        'Failed to send messages: Messages are rejected since there are fewer in-sync replicas than required',
      ),
    ).toBe('NOT_ENOUGH_REPLICAS');
    expect(
      refusalInKafkajsLog(
        'Failed to send messages: Messages are written to the log, but to fewer in-sync replicas than required',
      ),
    ).toBe('NOT_ENOUGH_REPLICAS_AFTER_APPEND');
    expect(refusalInKafkajsLog('Failed to send messages: This server is not the leader')).toBeUndefined();
  });
});

describe('withTimeout and Refusals', () => {
  const never = () => new Promise<never>(() => undefined);

  test('a refusal ends the wait at once, and later writes at once while it stands', async () => {
    const refusals = new Refusals();
    const waiting = withTimeout(never(), 60_000, refusals);
    refusals.report('NOT_ENOUGH_REPLICAS');
    await expect(waiting).rejects.toBeInstanceOf(PublishRefusedError);
    await expect(withTimeout(never(), 60_000, refusals)).rejects.toMatchObject({
      code: 'NOT_ENOUGH_REPLICAS',
    });
    refusals.confirmed();
    await expect(withTimeout(Promise.resolve(1), 60_000, refusals)).resolves.toBe(1);
  });

  test('a timeout names the refusal seen meanwhile; without a timeout only the write decides', async () => {
    const refusals = new Refusals();
    const late = new Promise<string>((resolve) => setTimeout(() => resolve('written'), 50));
    refusals.report('NOT_ENOUGH_REPLICAS');
    await expect(withTimeout(late, undefined, refusals)).resolves.toBe('written');
    const error = new PublishTimeoutError(5, refusals.current());
    expect(error.message).toContain('NOT_ENOUGH_REPLICAS');
    refusals.confirmed();
    await expect(withTimeout(never(), 20, refusals)).rejects.toBeInstanceOf(PublishTimeoutError);
  });
});
