import { describe, expect, it } from 'vitest';
import { checkWebhookHost, classifyAddress, guardedLookup } from './webhook-target';

describe('webhook targets (SSRF)', () => {
  it.each([
    ['8.8.8.8', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.255.1.2', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.10.1', 'private'],
    ['100.64.0.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link-local'],
    ['fd12:3456::1', 'private'],
    ['fc00::1', 'private'],
    ['ff02::1', 'reserved'],
    ['2001:4860:4860::8888', 'public'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:8.8.8.8', 'public'],
    ['64:ff9b::a9fe:a9fe', 'link-local'],
    ['[::1]', 'loopback'],
    ['fe80::1%eth0', 'link-local'],
  ])('%s is %s', (address, expected) => {
    expect(classifyAddress(address)).toBe(expected);
  });

  const fakeLookup =
    (answers: Record<string, string[]>) =>
    (
      host: string,
      _o: { all: true },
      cb: (e: NodeJS.ErrnoException | null, a: { address: string; family: number }[]) => void,
    ) => {
      const found = answers[host];
      if (!found) cb(Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' }), []);
      else
        cb(
          null,
          found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
        );
    };

  it('refuses a name that resolves to a private address, even beside a public one', async () => {
    const lookup = fakeLookup({
      'ok.example': ['93.184.216.34'],
      'mixed.example': ['93.184.216.34', '10.0.0.5'],
    });
    expect(await checkWebhookHost('ok.example', { allowLoopback: false }, lookup)).toBeUndefined();
    expect(await checkWebhookHost('mixed.example', { allowLoopback: false }, lookup)).toMatchObject({
      kind: 'refused',
      reason: expect.stringMatching(/10\.0\.0\.5.*private/),
    });
    expect(await checkWebhookHost('nowhere.example', { allowLoopback: false }, lookup)).toMatchObject({
      kind: 'unresolved',
      reason: expect.stringMatching(/does not resolve/),
    });
    expect(await checkWebhookHost('[::ffff:127.0.0.1]', { allowLoopback: false })).toMatchObject({
      kind: 'refused',
      reason: expect.stringMatching(/loopback/),
    });
    expect(await checkWebhookHost('127.0.0.1', { allowLoopback: true })).toBeUndefined();
  });

  it('the connect-time lookup refuses what DNS answers now, not what it answered at subscription', async () => {
    let answer = '93.184.216.34';
    const lookup = (
      h: string,
      o: { all: true },
      cb: (e: NodeJS.ErrnoException | null, a: { address: string; family: number }[]) => void,
    ) => fakeLookup({ 'rebind.example': [answer] })(h, o, cb);
    const guarded = guardedLookup({ allowLoopback: false }, lookup);
    const call = () =>
      new Promise<{ error: NodeJS.ErrnoException | null; address: unknown }>((resolve) =>
        guarded('rebind.example', {}, (error, address) => resolve({ error, address })),
      );
    expect(await call()).toEqual({ error: null, address: '93.184.216.34' });
    answer = '169.254.169.254';
    const second = await call();
    expect(second.error?.code).toBe('EKETENHUBTARGET');
  });
});
