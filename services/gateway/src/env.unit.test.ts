import { loadEnv } from '@ketenhub/service';
import { describe, expect, test } from 'vitest';
import { gatewayEnv } from './env';

describe('gateway env', () => {
  test('the case-book consumer keeps the 30 s session timeout unless told otherwise', () => {
    expect(loadEnv(gatewayEnv, {}).GATEWAY_SESSION_TIMEOUT_MS).toBe(30_000);
    expect(loadEnv(gatewayEnv, { GATEWAY_SESSION_TIMEOUT_MS: '10000' }).GATEWAY_SESSION_TIMEOUT_MS).toBe(
      10_000,
    );
  });

  test('a session timeout below the broker floor (6 s) is refused at start, naming the variable', () => {
    expect(() => loadEnv(gatewayEnv, { GATEWAY_SESSION_TIMEOUT_MS: '1000' })).toThrow(
      /GATEWAY_SESSION_TIMEOUT_MS/,
    );
  });
});
