import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createClient,
  EventValidationError,
  type KetenhubClient,
  PublishError,
  verifyWebhook,
  webhookHandshake,
} from '@ketenhub/client';
import { sourceFor } from '@ketenhub/events';
import { DemoCalendar } from './calendar';
import { bevoegdGezagSystem, omgevingsdienstSystem, provincieSystem, waterschapSystem } from './omgevingswet';
import type { DemoKey } from './organisations';
import type { AnySystem, Plan, Received } from './system';
import { cakSystem, gemeenteSystem, type WmoScenario, zorgaanbiederSystem } from './wmo';

/**
 * The living demo chain: every demo system registered at the hub like any integrator's (registry
 * API), subscribed to webhooks (dispatcher), publishing through the gateway. No system reads the
 * projection or another system's memory: what one knows of a case is what its webhooks told it.
 * The only thing they share is the simulated passing of time (calendar.ts).
 */

export interface DemoChainOptions {
  registryUrl: string;
  gatewayUrl: string;
  adminToken: string;
  /** Real seconds per demo day. */
  daySeconds: number;
  /** Where each case's calendar starts (days before today); default 14. */
  startDaysAgo?: number;
  /** A new chain case every this many demo days, alternately WMO and Omgevingswet; default 5. */
  newCaseEveryDays?: number;
  /** Stop opening cases after this many in one run; default 120 (an hour at the default pace). */
  maxCases?: number;
  /** Every this many WMO cases (the first included) is one whose onderzoek waits on a list and runs overdue; 0: none. Default 4. */
  overdueEvery?: number;
  /** Where the webhook receiver listens (loopback); port 0 picks a free one. */
  host?: string;
  port?: number;
  log?: (message: string) => void;
}

export interface DemoChainStats {
  published: number;
  received: number;
  /** Events the hub refused (4xx) or that failed the contract locally: bugs in a connector. */
  refused: { system: DemoKey; type: string; status: number; detail: string }[];
  /** Events that could not be delivered to the gateway after retries (5xx, network). */
  failed: { system: DemoKey; type: string; detail: string }[];
  publishedBy: Partial<Record<DemoKey, number>>;
  cases: { wmo: string[]; omgevingswet: string[]; overdue: string[] };
}

export interface DemoChain {
  webhookUrl: string;
  stats(): DemoChainStats;
  /** Stops opening cases and reacting, removes the webhook subscriptions, closes the receiver. */
  stop(): Promise<void>;
}

const systems: Record<DemoKey, AnySystem> = {
  gemeente: gemeenteSystem,
  zorgaanbieder: zorgaanbiederSystem,
  cak: cakSystem,
  bevoegdGezag: bevoegdGezagSystem,
  omgevingsdienst: omgevingsdienstSystem,
  waterschap: waterschapSystem,
  provincie: provincieSystem,
};

interface Connected {
  key: DemoKey;
  system: AnySystem;
  systemId: string;
  client: KetenhubClient;
  secret: string;
  subscriptionId: string;
  memory: Map<string, unknown>;
  /** One step at a time per case, in the order they fell due. */
  queue: Map<string, Promise<void>>;
}

export async function startDemoChain(options: DemoChainOptions): Promise<DemoChain> {
  const log = options.log ?? (() => undefined);
  const calendar = new DemoCalendar({
    daySeconds: options.daySeconds,
    startDaysAgo: options.startDaysAgo ?? 14,
  });
  const stats: DemoChainStats = {
    published: 0,
    received: 0,
    refused: [],
    failed: [],
    publishedBy: {},
    cases: { wmo: [], omgevingswet: [], overdue: [] },
  };
  const connected = new Map<DemoKey, Connected>();
  const seen = new Set<string>();
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;

  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${options.registryUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${options.adminToken}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };

  const server = http.createServer((req, res) => {
    const key = /^\/webhooks\/([A-Za-z]+)$/.exec(req.url ?? '')?.[1] as DemoKey | undefined;
    const target = key ? connected.get(key) : undefined;
    // The registry asks first whether this endpoint wants the hub's deliveries (CloudEvents
    // webhook handshake); it is asked before the system is connected, so any known path answers.
    const consent = key && key in systems ? webhookHandshake(req.method, req.headers) : undefined;
    if (consent) {
      res.writeHead(200, consent);
      res.end();
      return;
    }
    if (req.method !== 'POST' || !target) {
      res.statusCode = 404;
      res.end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const check = verifyWebhook({ secret: target.secret, headers: req.headers, body });
      if (!check.ok) {
        log(`${target.key}: webhook refused (${check.reason})`);
        res.statusCode = 401;
        res.end();
        return;
      }
      let event: Received;
      try {
        event = JSON.parse(body.toString('utf8')) as Received;
      } catch {
        res.statusCode = 400;
        res.end();
        return;
      }
      // Answer first, work after: the dispatcher gives a receiver 10 s, and at least once means repeats.
      res.statusCode = 204;
      res.end();
      const id = `${target.key}|${event.source}|${event.id}`;
      if (seen.has(id) || stopped) return;
      seen.add(id);
      stats.received++;
      heard(target, event);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const webhookUrl = `http://${options.host ?? '127.0.0.1'}:${port}/webhooks`;

  function memoryOf(c: Connected, caseId: string): unknown {
    let m = c.memory.get(caseId);
    if (m === undefined) {
      m = c.system.remember();
      c.memory.set(caseId, m);
    }
    return m;
  }

  function context(caseId: string) {
    return { caseId, today: calendar.today(caseId), uuid: randomUUID };
  }

  function heard(c: Connected, event: Received) {
    const caseId = event.subject;
    if (!caseId) return;
    const plans = c.system.react(event, memoryOf(c, caseId), context(caseId)) as Plan<unknown>[];
    schedule(c, caseId, plans);
  }

  function schedule(c: Connected, caseId: string, plans: Plan<unknown>[]) {
    for (const p of plans) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        enqueue(c, caseId, () => carryOut(c, caseId, p.step));
      }, calendar.msFor(p.afterDays));
      timers.add(timer);
    }
  }

  function enqueue(c: Connected, caseId: string, work: () => Promise<void>) {
    const previous = c.queue.get(caseId) ?? Promise.resolve();
    const next = previous.then(work).catch((error: unknown) => log(`${c.key}: ${String(error)}`));
    c.queue.set(caseId, next);
  }

  async function carryOut(c: Connected, caseId: string, step: unknown) {
    if (stopped) return;
    const effect = c.system.carryOut(step, memoryOf(c, caseId), context(caseId));
    if (effect.calendarTo !== undefined) calendar.jumpTo(caseId, effect.calendarTo);
    for (const event of effect.events) {
      if (stopped) return;
      try {
        await c.client.publish({ ...event, subject: caseId, time: calendar.time(caseId) });
        stats.published++;
        stats.publishedBy[c.key] = (stats.publishedBy[c.key] ?? 0) + 1;
      } catch (error) {
        if (error instanceof PublishError && !error.retryable) {
          // Every event of the demo must pass the gateway's checks: a refusal is a bug here.
          stats.refused.push({
            system: c.key,
            type: event.type,
            status: error.status,
            detail: error.message,
          });
          log(`BUG ${c.key}: the hub refused ${event.type} (${error.status}): ${error.message}`);
        } else if (error instanceof EventValidationError) {
          stats.refused.push({ system: c.key, type: event.type, status: 0, detail: error.message });
          log(`BUG ${c.key}: ${event.type} fails the contract: ${error.message}`);
        } else {
          stats.failed.push({ system: c.key, type: event.type, detail: String(error) });
          log(`${c.key}: ${event.type} not published: ${String(error)}`);
        }
        // The rest of the step would build on what was not published.
        return;
      }
    }
    if (effect.next) schedule(c, caseId, effect.next as Plan<unknown>[]);
  }

  async function connect(key: DemoKey): Promise<Connected> {
    const system = systems[key];
    const org = system.org;
    const registration = {
      oin: org.oin,
      name: org.systeem,
      roles: [org.rol],
      domains: [org.domein],
      publishes: system.publishes,
      consumes: system.consumes,
    };
    let created = await admin('POST', '/systems', registration);
    let systemId: string;
    let token: string;
    if (created.status === 201) {
      systemId = String(created.body.id);
      token = String(created.body.token);
    } else if (created.status === 409) {
      // Registered by an earlier run: the token was shown once, so rotate it.
      const list = await admin('GET', `/systems?oin=${org.oin}`);
      const source = sourceFor(org.oin, org.systeem);
      const existing = (list.body.systems as { id: string; source: string }[] | undefined)?.find(
        (s) => s.source === source,
      );
      if (!existing) throw new Error(`registry answered 409 for ${source} but does not list it`);
      systemId = existing.id;
      created = await admin('POST', `/systems/${systemId}/token`);
      if (created.status !== 200) throw new Error(`rotating the token of ${source}: HTTP ${created.status}`);
      token = String(created.body.token);
    } else {
      throw new Error(
        `registering ${org.systeem} of ${org.naam}: HTTP ${created.status} ${JSON.stringify(created.body)}`,
      );
    }
    // An earlier run's subscription points at a receiver that is gone, and its secret was shown once.
    const existing = await admin('GET', `/systems/${systemId}/subscriptions`);
    for (const s of (existing.body.subscriptions as { id: string; status: string }[] | undefined) ?? []) {
      if (s.status !== 'deleted') await admin('DELETE', `/systems/${systemId}/subscriptions/${s.id}`);
    }
    const subscribed = await admin('POST', `/systems/${systemId}/subscriptions`, {
      url: `${webhookUrl}/${key}`,
    });
    if (subscribed.status !== 201) {
      throw new Error(
        `subscribing ${org.systeem}: HTTP ${subscribed.status} ${JSON.stringify(subscribed.body)}`,
      );
    }
    return {
      key,
      system,
      systemId,
      client: createClient({ baseUrl: options.gatewayUrl, token, source: sourceFor(org.oin, org.systeem) }),
      secret: String(subscribed.body.secret),
      subscriptionId: String(subscribed.body.id),
      memory: new Map(),
      queue: new Map(),
    };
  }

  try {
    for (const key of Object.keys(systems) as DemoKey[]) connected.set(key, await connect(key));
  } catch (error) {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw error;
  }

  // The scenario: cases open at the start and then every few demo days, alternately per domain.
  const runBase = Math.floor(Date.now() / 1000) % 90_000;
  let opened = 0;
  let wmoOpened = 0;
  const overdueEvery = options.overdueEvery ?? 4;
  const openWmo = (scenario: WmoScenario) => {
    const c = connected.get('gemeente');
    if (!c) return;
    const caseId = randomUUID();
    calendar.begin(caseId, scenario === 'wachtlijst' ? 44 : undefined);
    c.memory.set(caseId, gemeenteSystem.begin(runBase + opened, scenario));
    stats.cases.wmo.push(caseId);
    if (scenario === 'wachtlijst') stats.cases.overdue.push(caseId);
    opened++;
    wmoOpened++;
    enqueue(c, caseId, () => carryOut(c, caseId, { soort: 'openen' }));
  };
  const openPermit = () => {
    const c = connected.get('bevoegdGezag');
    if (!c) return;
    const caseId = randomUUID();
    calendar.begin(caseId);
    c.memory.set(caseId, bevoegdGezagSystem.begin(runBase + opened));
    stats.cases.omgevingswet.push(caseId);
    opened++;
    enqueue(c, caseId, () => carryOut(c, caseId, { soort: 'openen' }));
  };
  const maxCases = options.maxCases ?? 120;
  const nextWmo = (): WmoScenario =>
    overdueEvery > 0 && wmoOpened % overdueEvery === 1 ? 'wachtlijst' : 'normaal';
  openWmo('normaal');
  openPermit();
  if (overdueEvery > 0) openWmo('wachtlijst');
  let turn = 0;
  const opener = setInterval(
    () => {
      if (stopped || opened >= maxCases) return;
      if (turn++ % 2 === 0) openWmo(nextWmo());
      else openPermit();
    },
    calendar.msFor(options.newCaseEveryDays ?? 5),
  );

  return {
    webhookUrl,
    stats: () => structuredClone(stats),
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(opener);
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await Promise.allSettled(
        [...connected.values()].map((c) =>
          admin('DELETE', `/systems/${c.systemId}/subscriptions/${c.subscriptionId}`),
        ),
      );
      await Promise.allSettled([...connected.values()].flatMap((c) => [...c.queue.values()]));
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}
