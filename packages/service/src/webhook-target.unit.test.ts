import { describe, expect, it } from 'vitest';
import { webhookEnv } from './webhook-signing';
import {
  allowNetworks,
  checkWebhookHost,
  cidrProblem,
  classifyAddress,
  guardedLookup,
  refusedAddress,
} from './webhook-target';

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

describe('networks the operator allows (KETENHUB_WEBHOOK_ALLOW_NETWORKS)', () => {
  const policy = { allowLoopback: false, allowed: allowNetworks(['10.20.0.0/16', 'fd12:3456::/48']) };

  it('lets addresses in an allowed network through, and only those', () => {
    expect(refusedAddress('10.20.5.6', policy)).toBeUndefined();
    expect(refusedAddress('::ffff:10.20.5.6', policy)).toBeUndefined();
    expect(refusedAddress('fd12:3456:0:1::9', policy)).toBeUndefined();
    expect(refusedAddress('10.21.0.1', policy)).toMatch(/private/);
    expect(refusedAddress('192.168.1.1', policy)).toMatch(/private/);
    expect(refusedAddress('169.254.169.254', policy)).toMatch(/link-local/);
    expect(refusedAddress('127.0.0.1', policy)).toMatch(/loopback/);
    expect(refusedAddress('93.184.216.34', policy)).toBeUndefined();
  });

  it('refuses what is not a network, or would open a whole family', () => {
    expect(cidrProblem('10.20.0.0/16')).toBeUndefined();
    expect(cidrProblem('10.20.0.0')).toMatch(/CIDR/);
    expect(cidrProblem('example.org/24')).toMatch(/not an IP address/);
    expect(cidrProblem('10.0.0.0/33')).toMatch(/longer than the address/);
    expect(cidrProblem('0.0.0.0/0')).toMatch(/shorter than \/8/);
    expect(cidrProblem('::/0')).toMatch(/shorter than \/8/);
    expect(() => allowNetworks(['10.0.0.0/4'])).toThrow(/shorter/);
  });

  it('is parsed from the environment, naming a bad entry', () => {
    const ok = webhookEnv.parse({ KETENHUB_WEBHOOK_ALLOW_NETWORKS: ' 10.20.0.0/16, fd12:3456::/48 ' });
    expect(ok.KETENHUB_WEBHOOK_ALLOW_NETWORKS).toEqual(['10.20.0.0/16', 'fd12:3456::/48']);
    expect(webhookEnv.parse({}).KETENHUB_WEBHOOK_ALLOW_NETWORKS).toEqual([]);
    const bad = webhookEnv.safeParse({ KETENHUB_WEBHOOK_ALLOW_NETWORKS: '10.20.0.0/16,intranet' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toMatch(/intranet: not a network/);
  });
});
