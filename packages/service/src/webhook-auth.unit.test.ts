import { describe, expect, it } from 'vitest';
import { openWebhookAuth, sealWebhookAuth } from './webhook-auth';

describe('sealed webhook auth values (AES-256-GCM at rest)', () => {
  const key = 'webhook-master-key-for-tests-0123456789';
  const id = '4d3c2b1a-0f9e-4d8c-8b7a-6f5e4d3c2b1a';

  it('opens with the same key and subscription only, and never shows the value', () => {
    const sealed = sealWebhookAuth(key, id, 'Bearer s3cret-value');
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain('s3cret');
    expect(sealWebhookAuth(key, id, 'Bearer s3cret-value')).not.toBe(sealed);
    expect(openWebhookAuth(key, id, sealed)).toBe('Bearer s3cret-value');
    expect(openWebhookAuth('another-master-key-0123456789abcdef', id, sealed)).toBeUndefined();
    expect(openWebhookAuth(key, '00000000-0000-4000-8000-000000000000', sealed)).toBeUndefined();
    const tampered = `${sealed.slice(0, -2)}${sealed.endsWith('A') ? 'B' : 'A'}A`;
    expect(openWebhookAuth(key, id, tampered)).toBeUndefined();
    expect(openWebhookAuth(key, id, 'Bearer s3cret-value')).toBeUndefined();
  });
});
