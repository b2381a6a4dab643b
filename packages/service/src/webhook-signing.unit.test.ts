import { describe, expect, test } from 'vitest';
import { deriveSigningSecret } from './webhook-signing';

describe('signing secret derivation', () => {
  test('is deterministic, per subscription and per version (a pinned test vector)', () => {
    const key = 'test-master-key-of-at-least-32-characters';
    const id = '3f0c8a52-1d7e-4b7a-9a57-0b7f6f4c2e11';
    // Pinned: subscribers hold secrets derived this way; changing the derivation changes them all.
    expect(deriveSigningSecret(key, id, 1)).toBe('whsec_RGwa_wJ9cBBHcg7rxsRBKXGH081yjFti7pOJKObEubw');
    expect(deriveSigningSecret(key, id, 2)).not.toBe(deriveSigningSecret(key, id, 1));
    expect(deriveSigningSecret(key, '00000000-0000-4000-8000-000000000000', 1)).not.toBe(
      deriveSigningSecret(key, id, 1),
    );
    expect(deriveSigningSecret(`${key}x`, id, 1)).not.toBe(deriveSigningSecret(key, id, 1));
  });
});
