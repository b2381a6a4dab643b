import { describe, expect, it } from 'vitest';
import { createLogger } from './logger';
import { OpenedParts, reachableHost } from './parts';

describe('opened parts', () => {
  it('closes newest first, every part even after a failure, the failures named together, once', async () => {
    const closed: string[] = [];
    const parts = new OpenedParts();
    parts.add('database', () => {
      closed.push('database');
    });
    parts.add('consumer', async () => {
      closed.push('consumer');
      throw new Error('broker away');
    });
    parts.add('http', async () => {
      closed.push('http');
    });
    const first = parts.close();
    const second = parts.close();
    await expect(first).rejects.toThrow('closing failed: consumer: broker away');
    await expect(second).rejects.toBeInstanceOf(AggregateError);
    expect(closed).toEqual(['http', 'consumer', 'database']);
  });

  it('closes in a given order where one is named, the rest newest first after it', async () => {
    const closed: string[] = [];
    const parts = new OpenedParts(['http', 'in flight']);
    for (const name of ['database', 'in flight', 'consumer', 'http', 'threads'])
      parts.add(name, () => {
        closed.push(name);
      });
    await parts.close();
    expect(closed).toEqual(['http', 'in flight', 'threads', 'consumer', 'database']);
  });

  it('abandon waits at most its timeout and does not throw', async () => {
    const parts = new OpenedParts();
    parts.add('stuck', () => new Promise<void>(() => undefined));
    const logger = createLogger({ service: 'test', level: 'silent' });
    const started = Date.now();
    await parts.abandon(logger, 100);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('startOrAbandon returns what the start returns, or closes what it opened and throws its error', async () => {
    const logger = createLogger({ service: 'test', level: 'silent' });
    const ok = new OpenedParts();
    expect(await ok.startOrAbandon(logger, 1_000, async () => 'running')).toBe('running');

    const closed: string[] = [];
    const failing = new OpenedParts();
    const start = failing.startOrAbandon(logger, 1_000, async () => {
      failing.add('database', () => {
        closed.push('database');
      });
      failing.add('consumer', () => {
        closed.push('consumer');
      });
      throw new Error('subscriptions not read in time');
    });
    await expect(start).rejects.toThrow('subscriptions not read in time');
    expect(closed).toEqual(['consumer', 'database']);
  });

  it('reaches wildcard binds through loopback and brackets IPv6', () => {
    expect(reachableHost('0.0.0.0')).toBe('127.0.0.1');
    expect(reachableHost('::')).toBe('[::1]');
    expect(reachableHost('::1')).toBe('[::1]');
    expect(reachableHost('127.0.0.1')).toBe('127.0.0.1');
  });
});
