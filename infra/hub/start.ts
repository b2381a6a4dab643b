/**
 * `npm start`: the whole hub on this machine, with demo data.
 *
 * 1. starts the local Kafka broker (infra/kafka/kafka.sh; a no-op when it runs already) unless
 *    KAFKA_BROKERS points elsewhere;
 * 2. creates the hub database when missing (each service migrates its own schema on start);
 * 3. starts every service under services/ as a child process and waits for its readiness;
 * 4. starts the development identity provider of the demo organisations (infra/oidc-dev), which
 *    the services trust for those organisations' OINs (KETENHUB_JWT_ISSUERS);
 * 5. seeds the static demo cases (see demo.ts) and starts the living demo chain (infra/demo-chain)
 *    unless KETENHUB_DEMO=off;
 * 6. prints the URLs and the demo logins, and on Ctrl-C stops the demo, the services (and the
 *    broker, if this script started it) cleanly.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDatabase, redactUrl } from '@ketenhub/db';
import { type DemoChain, demoOins, demoOrganisations, demoUsers, startDemoChain } from '@ketenhub/demo-chain';
import { type DevIdp, startDevIdp } from '@ketenhub/oidc-dev';
import { caseWorkerAudience, serviceNodeFlags } from '@ketenhub/service';
import { seedDemo } from './demo';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const kafkaScript = join(root, 'infra', 'kafka', 'kafka.sh');

/** Services in start order, with their port variable and default port. */
const services = [
  { name: 'registry', portVar: 'REGISTRY_PORT', port: 8082 },
  { name: 'gateway', portVar: 'GATEWAY_PORT', port: 8080 },
  { name: 'projection', portVar: 'PROJECTION_PORT', port: 8081 },
  { name: 'dispatcher', portVar: 'DISPATCHER_PORT', port: 8083 },
] as const;

interface DemoSecrets {
  adminToken: string;
  devSecret: string;
  /** Webhook master key shared by registry and dispatcher (absent in files written before the dispatcher). */
  webhookKey?: string;
}

/** Demo secrets survive restarts so printed tokens and webhook secrets keep working; for this machine only. */
function demoSecrets(): Required<DemoSecrets> {
  const file = join(root, '.cache', 'demo-secrets.json');
  const stored: Partial<DemoSecrets> = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as DemoSecrets)
    : {};
  const secrets = {
    adminToken: stored.adminToken ?? `kha_${randomBytes(24).toString('hex')}`,
    devSecret: stored.devSecret ?? randomBytes(32).toString('hex'),
    webhookKey: stored.webhookKey ?? randomBytes(32).toString('hex'),
  };
  if (Object.keys(stored).length < Object.keys(secrets).length) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(secrets), { mode: 0o600 });
  }
  return secrets;
}

const log = (msg: string) => process.stdout.write(`[ketenhub] ${msg}\n`);

async function waitReady(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode} before it was ready`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`not ready after ${timeoutMs} ms (${url})`);
}

/** Real seconds per demo day of the living demo; `DEMO_DAY_SECONDS` to watch it slower or faster. */
const demoDaySeconds = Number(process.env.DEMO_DAY_SECONDS ?? '6');

async function main() {
  const { adminToken, devSecret, webhookKey } = demoSecrets();
  // The demo organisations' identity provider: started first, so the services can fetch its keys
  // when the first case worker logs in. It speaks for the demo OINs only.
  const idp: DevIdp | undefined =
    process.env.KETENHUB_OIDC_DEV === 'off'
      ? undefined
      : await startDevIdp({
          port: Number(process.env.OIDC_DEV_PORT ?? '8090'),
          users: demoUsers(),
          clients: [
            { clientId: caseWorkerAudience, redirectUris: ['http://127.0.0.1/ui/', 'http://localhost/ui/'] },
          ],
        });
  const issuers = idp
    ? JSON.stringify([
        { issuer: idp.issuer, audience: caseWorkerAudience, jwksUrl: idp.jwksUrl, oins: demoOins() },
      ])
    : undefined;
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/ketenhub',
    KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
    KETENHUB_ADMIN_TOKEN: process.env.KETENHUB_ADMIN_TOKEN ?? adminToken,
    KETENHUB_DEV_TOKENS: process.env.KETENHUB_DEV_TOKENS ?? 'true',
    KETENHUB_DEV_TOKEN_SECRET: process.env.KETENHUB_DEV_TOKEN_SECRET ?? devSecret,
    KETENHUB_WEBHOOK_KEY: process.env.KETENHUB_WEBHOOK_KEY ?? webhookKey,
    // Webhook receivers on this machine (http://127.0.0.1:…) are what a local try-out uses.
    KETENHUB_WEBHOOK_LOCAL_HTTP: process.env.KETENHUB_WEBHOOK_LOCAL_HTTP ?? 'true',
    ...(issuers ? { KETENHUB_JWT_ISSUERS: process.env.KETENHUB_JWT_ISSUERS ?? issuers } : {}),
    // The living demo's calendar runs fast: the hub looks for passed deadlines every few seconds.
    PROJECTION_DEADLINE_SCAN_MS: process.env.PROJECTION_DEADLINE_SCAN_MS ?? '5000',
  };

  let startedKafka = false;
  if (!process.env.KAFKA_BROKERS) {
    let running = true;
    try {
      execFileSync('bash', [kafkaScript, 'status'], { stdio: 'ignore' });
    } catch {
      running = false;
    }
    execFileSync('bash', [kafkaScript, 'start'], { stdio: 'inherit' });
    startedKafka = !running;
  }

  await ensureDatabase(env.DATABASE_URL ?? '');
  log(`database ${redactUrl(env.DATABASE_URL ?? '')}`);

  const children: { name: string; child: ChildProcess }[] = [];
  let stopping = false;
  let chain: DemoChain | undefined;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    if (chain) {
      log('stopping the demo chain');
      await chain.stop().catch(() => undefined);
    }
    await idp?.close();
    log('stopping services');
    await Promise.all(
      children.map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
          }),
      ),
    );
    if (startedKafka) execFileSync('bash', [kafkaScript, 'stop'], { stdio: 'inherit' });
    log('stopped');
    process.exit(code);
  };
  // The services run in their own process groups (detached), so Ctrl-C in the terminal reaches
  // only this script, which then sends each service exactly one SIGTERM: a second signal would
  // make a service skip its graceful shutdown. The prompt returns once all have closed.
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  const urls: Record<string, string> = {};
  for (const svc of services) {
    const entry = join(root, 'services', svc.name, 'src', 'index.ts');
    if (!existsSync(entry)) continue;
    const port = process.env[svc.portVar] ?? String(svc.port);
    const child = spawn(process.execPath, [...serviceNodeFlags(svc.name), '--import', 'tsx', entry], {
      cwd: root,
      env: { ...env, [svc.portVar]: port, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
      stdio: ['ignore', 'inherit', 'inherit'],
      detached: true,
    });
    // Should this script die without cleaning up, do not leave services running behind it.
    process.once('exit', () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    children.push({ name: svc.name, child });
    child.once('exit', (code, signal) => {
      if (!stopping) {
        log(`${svc.name} exited (${signal ?? code}); stopping the hub`);
        void stopAll(1);
      }
    });
    urls[svc.name] = `http://127.0.0.1:${port}`;
    await waitReady(`${urls[svc.name]}/health/ready`, child, 90_000);
    log(`${svc.name} ready on ${urls[svc.name]}`);
  }

  let demoSystems: Partial<Record<string, string>> = {};
  if (process.env.KETENHUB_DEMO !== 'off' && urls.registry && urls.gateway) {
    const demo = await seedDemo({
      registryUrl: urls.registry,
      gatewayUrl: urls.gateway,
      adminToken: env.KETENHUB_ADMIN_TOKEN ?? '',
    });
    log(demo.summary);
    demoSystems = demo.systems;
    chain = await startDemoChain({
      registryUrl: urls.registry,
      gatewayUrl: urls.gateway,
      adminToken: env.KETENHUB_ADMIN_TOKEN ?? '',
      daySeconds: demoDaySeconds,
      port: Number(process.env.DEMO_CHAIN_PORT ?? '8091'),
      log: (message) => log(`demo chain: ${message}`),
    });
    log(
      `living demo chain: the systems of ${Object.keys(demoOrganisations).length} organisations react to each other by webhook; one demo day every ${demoDaySeconds} s (DEMO_DAY_SECONDS)`,
    );
  }

  log('Ketenhub is running:');
  for (const [name, url] of Object.entries(urls)) log(`  ${name.padEnd(10)} ${url}`);
  if (urls.gateway) log(`  contract   ${urls.gateway}/docs`);
  log(`operator token: ${env.KETENHUB_ADMIN_TOKEN} (also in .cache/demo-secrets.json)`);
  if (idp && urls.projection) {
    log(
      `case workers log in at ${urls.projection}/ui/ through the demo identity provider (${idp.issuer}); pick one of:`,
    );
    for (const org of Object.values(demoOrganisations)) {
      for (const m of org.medewerkers)
        log(`  ${org.naam.padEnd(40)} ${m.name} (${m.functie}, rol ${org.rol})`);
    }
  }
  if (urls.registry && urls.projection && env.KETENHUB_DEV_TOKENS === 'true') {
    const res = await fetch(`${urls.registry}/dev/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.KETENHUB_ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ oin: '00000099100000001000', sub: 'consulent-demo', roles: ['gemeente'] }),
    });
    if (res.ok) {
      const { token } = (await res.json()) as { token: string };
      log('a WMO consultant of Gemeente Voorbeeldstad sees the joined chain cases with:');
      log(`  curl -H 'Authorization: Bearer ${token}' ${urls.projection}/cases`);
      log(`  or in the browser: ${urls.projection}/ui/ (under "Token plakken")`);
    }
  }
  if (urls.registry && urls.dispatcher) {
    const example = demoSystems.zorgaanbieder;
    log(
      example
        ? "webhooks: subscribe the demo care provider's system to a receiver of yours (new events of its cases follow), e.g."
        : 'webhooks: subscribe a registered system (its consumes) to a receiver, e.g.',
    );
    log(
      `  curl -X POST -H 'Authorization: Bearer ${env.KETENHUB_ADMIN_TOKEN}' -H 'Content-Type: application/json' ${urls.registry}/systems/${example ?? '<id>'}/subscriptions -d '{"url":"http://127.0.0.1:9000/ketenhub"}'`,
    );
    log(`  delivery status: ${urls.dispatcher}/subscriptions/<subscription id>/status (operator token)`);
  }
  log('press Ctrl-C to stop');
}

main().catch((error: unknown) => {
  process.stderr.write(
    `[ketenhub] start failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
