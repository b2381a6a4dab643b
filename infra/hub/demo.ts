/**
 * Demo data for `npm start`: registers one case system per demo organisation and publishes two
 * chain cases through the gateway, exactly as an integrator would (HTTP, system tokens):
 * - a complete WMO chain case (melding to end of eigen bijdrage), in the past;
 * - an Omgevingswet permit request that started 20 days ago and is waiting for a decision, so its
 *   legal clock is running.
 * The case ids are fixed, and the gateway is idempotent by source+id, so starting twice adds nothing.
 */
import { definitionOf, type KetenEvent, mayConsume, type PublisherRole } from '@ketenhub/events';
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

/**
 * A system for the organisation: registers it, or rotates the token of the existing registration.
 * It consumes what the other organisations publish in its domains and its role may receive, so a
 * demo webhook subscription has something to receive.
 */
async function demoSystem(
  options: DemoOptions,
  role: PublisherRole,
  events: KetenEvent[],
): Promise<{ id: string; token: string }> {
  const org = exampleOrganisations[role];
  const publishes = [...new Set(events.filter((e) => e.source === org.source).map((e) => e.type))];
  const domainOf = (t: string) => definitionOf(t)?.domain;
  const domains = [...new Set(publishes.map(domainOf).filter((d) => d === 'wmo' || d === 'omgevingswet'))];
  const inDomains = domains.length > 0 ? domains : ['wmo', 'omgevingswet'];
  const consumes = [
    ...new Set(
      events
        .filter(
          (e) =>
            e.source !== org.source && inDomains.includes(domainOf(e.type) ?? '') && mayConsume(e.type, role),
        )
        .map((e) => e.type),
    ),
  ];
  const roles: PublisherRole[] = [role];
  const registration = { oin: org.oin, name: org.systeem, roles, domains: inDomains, publishes, consumes };
  const created = await call(`${options.registryUrl}/systems`, {
    method: 'POST',
    token: options.adminToken,
    body: JSON.stringify(registration),
  });
  if (created.status === 201) return (await created.json()) as { id: string; token: string };
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
  const { token } = (await expectOk(rotated, `rotate ${org.source}`)) as { token: string };
  return { id: existing.id, token };
}

function isoDaysAgo(days: number): string {
  return new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);
}

export async function seedDemo(
  options: DemoOptions,
): Promise<{ summary: string; systems: Partial<Record<PublisherRole, string>> }> {
  const wmo = wmoLifecycle(exampleCaseIds.wmo);
  const permit = before(
    omgevingswetLifecycle(exampleCaseIds.omgevingswet, { start: isoDaysAgo(20) }),
    'nl.omgevingswet.besluit-genomen',
  ).filter((e) => Date.parse(e.time) <= Date.now());
  const events = [...wmo, ...permit];

  const tokens = new Map<string, string>();
  const systems: Partial<Record<PublisherRole, string>> = {};
  for (const [role, org] of Object.entries(exampleOrganisations) as [PublisherRole, { source: string }][]) {
    if (events.some((e) => e.source === org.source)) {
      const system = await demoSystem(options, role, events);
      tokens.set(org.source, system.token);
      systems[role] = system.id;
    }
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
    systems,
  };
}
