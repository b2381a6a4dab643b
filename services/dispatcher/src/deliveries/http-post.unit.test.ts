import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { postOnce, webhookTargets } from './http-post';

// A real receiver on loopback: the guard must refuse it by the address the name resolves to, and
// let it through only when local http is allowed (development, tests).
describe('postOnce target guard (SSRF)', () => {
  let server: http.Server;
  let port = 0;
  let received = 0;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      received++;
      req.resume();
      req.on('end', () => res.writeHead(204).end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  let targets = webhookTargets({ allowLoopback: false });
  const post = (url: string) => postOnce(new URL(url), {}, Buffer.from('{}'), 2_000, targets);

  test('refuses loopback by name and by address, and private addresses, before anything is sent', async () => {
    targets = webhookTargets({ allowLoopback: false });
    const byName = await post(`http://localhost:${port}/hooks`);
    expect(byName).toMatchObject({
      kind: 'unreachable',
      reason: expect.stringMatching(/EKETENHUBTARGET.*loopback/),
    });
    const byAddress = await post(`http://127.0.0.1:${port}/hooks`);
    expect(byAddress).toMatchObject({ kind: 'unreachable', reason: expect.stringMatching(/loopback/) });
    const mapped = await post(`http://[::ffff:127.0.0.1]:${port}/hooks`);
    expect(mapped).toMatchObject({ kind: 'unreachable', reason: expect.stringMatching(/loopback/) });
    const metadata = await post('http://169.254.169.254/latest/meta-data');
    expect(metadata).toMatchObject({ kind: 'unreachable', reason: expect.stringMatching(/link-local/) });
    const privateNet = await post('https://10.20.30.40/hooks');
    expect(privateNet).toMatchObject({ kind: 'unreachable', reason: expect.stringMatching(/private/) });
    expect(received).toBe(0);
  });

  test('delivers to loopback when local http is allowed', async () => {
    targets = webhookTargets({ allowLoopback: true });
    expect(await post(`http://localhost:${port}/hooks`)).toMatchObject({ kind: 'answered', status: 204 });
    expect(await post(`http://127.0.0.1:${port}/hooks`)).toMatchObject({ kind: 'answered', status: 204 });
    expect(received).toBe(2);
  });
});
