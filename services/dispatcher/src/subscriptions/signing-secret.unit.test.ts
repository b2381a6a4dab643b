import { deriveSigningSecret } from '@ketenhub/service';
import { describe, expect, test } from 'vitest';
import { signingSecrets } from './signing-secret';

describe('signing secrets', () => {
  const key = 'test-master-key-of-at-least-32-characters';
  const id = '3f0c8a52-1d7e-4b7a-9a57-0b7f6f4c2e11';

  test('the previous version signs too until its grace period ends', () => {
    const now = new Date('2026-03-02T09:00:00Z');
    const later = new Date('2026-03-02T10:00:00Z');
    const rotated = { subscriptionId: id, secretVersion: 2, previousSecretValidUntil: later };
    expect(signingSecrets(key, rotated, now)).toEqual([
      deriveSigningSecret(key, id, 2),
      deriveSigningSecret(key, id, 1),
    ]);
    expect(signingSecrets(key, rotated, new Date('2026-03-02T10:00:01Z'))).toEqual([
      deriveSigningSecret(key, id, 2),
    ]);
    expect(
      signingSecrets(key, { subscriptionId: id, secretVersion: 1, previousSecretValidUntil: null }, now),
    ).toHaveLength(1);
  });
});
