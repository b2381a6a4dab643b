import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { exampleCaseIds, exampleData, exampleOrganisations, makeEvent } from '@ketenhub/events/testing';
import { seedDemo } from '@ketenhub/infra/demo';
import { test as base, describe, expect } from '@ketenhub/testkit';
import { type Browser, chromium } from 'playwright-core';
import { eventually, type HubProcesses, json, publishAccepted, runHub } from './support/hub';

/**
 * The case worker's page in a real browser (Debian's chromium, driven by playwright-core) against
 * the hub as processes with the demo chain cases: log in with a token, see the organisation's
 * ketenzaken, open one with its legal clocks, and see a new event arrive without reloading.
 */
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const test = base.extend<{ hub: HubProcesses; browser: Browser }>({
  hub: [
    async ({ testDb, kafka }, use) => runHub({ testDb, kafka }, ['registry', 'gateway', 'projection'], use),
    { scope: 'file' },
  ],
  browser: [
    // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from this pattern; it has none
    async ({}, use) => {
      if (!existsSync(chromiumPath)) {
        throw new Error(
          `no browser at ${chromiumPath}: install Debian's chromium (.ci/run does) or set CHROMIUM_PATH`,
        );
      }
      const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
      try {
        await use(browser);
      } finally {
        await browser.close();
      }
    },
    { scope: 'file' },
  ],
});

/** Registers a WMO system of the municipality that may publish `publishes`; its token and source. */
async function registerGemeenteSystem(hub: HubProcesses, name: string, publishes: string[]) {
  const res = await admin(hub, '/systems', {
    oin: exampleOrganisations.gemeente.oin,
    name,
    roles: ['gemeente'],
    domains: ['wmo'],
    publishes,
    consumes: [],
  });
  expect(res.status).toBe(201);
  return json<{ token: string; source: string }>(res);
}

const admin = (hub: HubProcesses, path: string, body: unknown) =>
  fetch(`${hub.url('registry')}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${hub.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('the case worker page', () => {
  test('a WMO consultant logs in, opens the chain case with its clocks and sees a new event arrive live', async ({
    hub,
    browser,
  }) => {
    await seedDemo({
      registryUrl: hub.url('registry'),
      gatewayUrl: hub.url('gateway'),
      adminToken: hub.adminToken,
    });
    const gemeente = exampleOrganisations.gemeente;
    const tokenRes = await admin(hub, '/dev/tokens', {
      oin: gemeente.oin,
      sub: 'consulent-1',
      roles: ['gemeente'],
    });
    expect(tokenRes.status).toBe(201);
    const { token } = await json<{ token: string }>(tokenRes);
    // The demo case is projected before the page is opened.
    await eventually(async () => {
      const res = await fetch(`${hub.url('projection')}/cases/${exampleCaseIds.wmo}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      return res.status === 200 ? true : undefined;
    }, 'the demo WMO case in the projection');

    const page = await browser.newPage();
    const failed: string[] = [];
    page.on('pageerror', (error) => failed.push(error.message));
    await page.goto(`${hub.url('projection')}/ui/`);
    await expect.poll(() => page.isVisible('#inloggen')).toBe(true);

    // A wrong token is refused with a message, and nothing is shown.
    await page.fill('#token', 'not-a-token');
    await page.click('#inlogformulier button[type=submit]');
    await expect.poll(() => page.textContent('#inlogfout')).toMatch(/niet \(meer\) geldig/);
    expect(await page.isVisible('#lijst')).toBe(false);

    await page.fill('#token', token);
    await page.click('#inlogformulier button[type=submit]');
    const link = page.locator(`#zaken a[href="#/zaak/${exampleCaseIds.wmo}"]`);
    await link.waitFor();
    expect(await page.textContent('#wie')).toContain(gemeente.oin);
    // The permit case is not the municipality's WMO consultant's: it is not listed.
    expect(await page.locator(`#zaken a[href="#/zaak/${exampleCaseIds.omgevingswet}"]`).count()).toBe(0);

    // Filters: no permit case of its own, so the Omgevingswet filter shows none, and says why.
    await page.selectOption('#filter-domein', 'omgevingswet');
    await page.click('#filters button[type=submit]');
    await expect.poll(() => page.locator('#zaken tr').count()).toBe(0);
    expect(await page.textContent('#geenzaken')).toBe('Geen ketenzaken met deze filters.');
    await page.selectOption('#filter-domein', 'wmo');
    await page.click('#filters button[type=submit]');
    await link.waitFor();

    await link.click();
    await page.locator('#termijnen tr').first().waitFor();
    expect(await page.textContent('#zaaktitel')).toBe(`Ketenzaak ${exampleCaseIds.wmo}`);
    expect(await page.locator('#termijnen tr').count()).toBeGreaterThan(0);
    expect(await page.textContent('#deelnemers')).toContain(exampleOrganisations.zorgaanbieder.oin);
    await page.locator('#live').waitFor();
    const before = await page.locator('#tijdlijn li').count();
    expect(before).toBeGreaterThan(0);

    // Another system of the municipality adds a document: the page shows it without a reload.
    const dms = await registerGemeenteSystem(hub, 'e2e-dms', ['nl.ketens.document-toegevoegd']);
    const document = makeEvent('nl.ketens.document-toegevoegd', undefined, {
      subject: exampleCaseIds.wmo,
      id: randomUUID(),
      source: dms.source,
    });
    await publishAccepted(hub, dms.token, document, 'the gateway accepts the new system');
    await expect.poll(() => page.locator('#tijdlijn li').count(), { timeout: 30_000 }).toBe(before + 1);
    expect(await page.textContent('#tijdlijn')).toContain('nl.ketens.document-toegevoegd');
    // Only the chain case id is ever in the address.
    expect(new URL(page.url()).hash).toBe(`#/zaak/${exampleCaseIds.wmo}`);

    // The page's security headers.
    const shell = await fetch(`${hub.url('projection')}/ui/`);
    expect(shell.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(shell.headers.get('referrer-policy')).toBe('no-referrer');

    // Back to the list (the filter for WMO still set).
    await page.click('a[href="#/"]');
    await page.locator('#lijst').waitFor();

    // Paging: 26 more WMO cases make more than one page of 25.
    const intake = await registerGemeenteSystem(hub, 'e2e-intake', ['nl.ketens.ketenzaak-geopend']);
    const openings = Array.from({ length: 26 }, (_, i) =>
      makeEvent(
        'nl.ketens.ketenzaak-geopend',
        { ...exampleData['nl.ketens.ketenzaak-geopend'], zaakreferentie: `E2E-${i}` },
        { subject: randomUUID(), id: randomUUID(), source: intake.source },
      ),
    );
    await publishAccepted(hub, intake.token, openings, 'the gateway accepts the 26 openings');
    await eventually(async () => {
      const res = await fetch(`${hub.url('projection')}/cases?domein=wmo&limit=100`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const { items } = await json<{ items: unknown[] }>(res);
      return items.length >= 27 ? true : undefined;
    }, 'the 26 new cases in the projection');
    await page.click('#filters button[type=submit]');
    await expect.poll(() => page.locator('#zaken tr').count()).toBe(25);
    const firstPage = await page.locator('#zaken a').allTextContents();
    expect(await page.isVisible('#eerste')).toBe(false);
    await page.click('#volgende');
    await expect.poll(() => page.isVisible('#eerste')).toBe(true);
    const secondPage = await page.locator('#zaken a').allTextContents();
    expect(secondPage.length).toBeGreaterThan(0);
    expect(secondPage.length).toBeLessThanOrEqual(25);
    expect(secondPage.filter((id) => firstPage.includes(id))).toEqual([]);
    await page.click('#eerste');
    await expect.poll(() => page.locator('#zaken a').allTextContents()).toEqual(firstPage);

    // A participant's local case number finds exactly its case.
    await page.fill('#filter-referentie', 'E2E-7');
    await page.click('#filters button[type=submit]');
    await expect.poll(() => page.locator('#zaken tr').count()).toBe(1);
    expect(await page.locator('#zaken a').getAttribute('href')).toBe(`#/zaak/${openings[7]?.subject}`);
    await page.fill('#filter-referentie', '');

    await page.click('#uitloggen');
    expect(await page.isVisible('#inloggen')).toBe(true);
    expect(await page.evaluate('sessionStorage.getItem("ketenhub.token")')).toBeNull();
    expect(failed).toEqual([]);
  });
});
