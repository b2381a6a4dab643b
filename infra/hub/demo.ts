/**
 * Demo data for `npm start`: registers one case system per demo organisation and publishes two
 * chain cases through the gateway, exactly as an integrator would (HTTP, system tokens):
 * - a complete WMO chain case (melding to end of eigen bijdrage), in the past;
 * - an Omgevingswet permit request that started 20 days ago and is waiting for a decision, so its
 *   legal clock is running.
 * The case ids are fixed, and the gateway is idempotent by source+id, so starting twice adds nothing.
 */
import { definitionOf, type KetenEvent, type PublisherRole } from '@ketenhub/events';
import {
  before,
  exampleCaseIds,
  exampleOrganisations,
  omgevingswetLifecycle,
  wmoLifecycle,
} from '@ketenhub/events/testing';

export interface DemoOptions {
  registryUrl: string;
  gatewayUrl: string;
  adminToken: string;
}

async function call(url: string, init: RequestInit & { token: string }): Promise<Response> {
  return fetch(url, {
    ...init,
    headers: { authorization: `Bearer ${init.token}`, 'content-type': 'application/json', ...init.headers },
    signal: AbortSignal.timeout(15_000),
  });
}

async function expectOk(res: Response, what: string): Promise<unknown> {
  const body = await res.text();
  if (!res.ok) throw new Error(`${what}: HTTP ${res.status} ${body}`);
  return body ? JSON.parse(body) : undefined;
}

/** A system token for the organisation: registers it, or rotates the token of the existing registration. */
async function systemToken(options: DemoOptions, role: PublisherRole, events: KetenEvent[]): Promise<string> {
  const org = exampleOrganisations[role];
  const publishes = [...new Set(events.filter((e) => e.source === org.source).map((e) => e.type))];
  const domains = [
    ...new Set(
      publishes.map((t) => definitionOf(t)?.domain).filter((d) => d === 'wmo' || d === 'omgevingswet'),
    ),
  ];
  const roles: PublisherRole[] = [role];
  const registration = {
    oin: org.oin,
    name: org.systeem,
    roles,
    domains: domains.length > 0 ? domains : ['wmo', 'omgevingswet'],
    publishes,
    consumes: [],
  };
  const created = await call(`${options.registryUrl}/systems`, {
    method: 'POST',
    token: options.adminToken,
    body: JSON.stringify(registration),
  });
  if (created.status === 201) return ((await created.json()) as { token: string }).token;
  if (created.status !== 409) await expectOk(created, `register ${org.source}`);
  const list = (await expectOk(
    await call(`${options.registryUrl}/systems?oin=${org.oin}`, { method: 'GET', token: options.adminToken }),
    'list systems',
  )) as { systems: { id: string; source: string }[] };
  const existing = list.systems.find((s) => s.source === org.source);
  if (!existing) throw new Error(`registry answered 409 for ${org.source} but does not list it`);
  const rotated = await call(`${options.registryUrl}/systems/${existing.id}/token`, {
    method: 'POST',
    token: options.adminToken,
  });
  return ((await expectOk(rotated, `rotate ${org.source}`)) as { token: string }).token;
}

function isoDaysAgo(days: number): string {
  return new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);
}

export async function seedDemo(options: DemoOptions): Promise<{ summary: string }> {
  const wmo = wmoLifecycle(exampleCaseIds.wmo);
  const permit = before(
    omgevingswetLifecycle(exampleCaseIds.omgevingswet, { start: isoDaysAgo(20) }),
    'nl.omgevingswet.besluit-genomen',
  ).filter((e) => Date.parse(e.time) <= Date.now());
  const events = [...wmo, ...permit];

  const tokens = new Map<string, string>();
  for (const [role, org] of Object.entries(exampleOrganisations) as [PublisherRole, { source: string }][]) {
    if (events.some((e) => e.source === org.source))
      tokens.set(org.source, await systemToken(options, role, events));
  }

  let accepted = 0;
  for (const event of events) {
    const token = tokens.get(event.source);
    if (!token) continue;
    const res = await call(`${options.gatewayUrl}/events`, {
      method: 'POST',
      token,
      headers: { 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify(event),
    });
    await expectOk(res, `publish ${event.type}`);
    accepted++;
  }
  return {
    summary: `demo data: ${tokens.size} systems, ${accepted} events in chain cases ${exampleCaseIds.wmo} (WMO) and ${exampleCaseIds.omgevingswet} (Omgevingswet)`,
  };
}
