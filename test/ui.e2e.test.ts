import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addDays, amsterdamDate, demoOins, demoOrganisations, demoUsers } from '@ketenhub/demo-chain';
import type { EventData, EventType } from '@ketenhub/events';
import { makeEvent } from '@ketenhub/events/testing';
import { seedDemo } from '@ketenhub/infra/demo';
import { type DevIdp, startDevIdp } from '@ketenhub/oidc-dev';
import { test as base, describe, expect } from '@ketenhub/testkit';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { eventually, type HubProcesses, json, publishAccepted, runHub } from './support/hub';

/**
 * The case worker's page in a real browser (Debian's chromium, driven by playwright-core) against
 * the hub as processes: case workers log in through the development identity provider with the
 * authorization code flow and PKCE (real redirects), see a worklist ordered by what needs
 * attention, open a chain case and watch it change live, each organisation seeing only what its
 * role may see, in the page and in every response the page received. axe-core checks every screen.
 * The screenshots in docs/images/ are written here.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
/** Short-lived tokens, so the streams end with token-verlopen during the test and reconnect. */
const tokenTtlS = 25;

const test = base.extend<{ idp: DevIdp; hub: HubProcesses; browser: Browser }>({
  idp: [
    // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from this pattern; it has none
    async ({}, use) => {
      const idp = await startDevIdp({
        users: demoUsers(),
        clients: [{ clientId: 'ketenhub', redirectUris: ['http://127.0.0.1/ui/'] }],
        tokenTtlS,
      });
      try {
        await use(idp);
      } finally {
        await idp.close();
      }
    },
    { scope: 'file' },
  ],
  hub: [
    async ({ testDb, kafka, idp }, use) =>
      runHub({ testDb, kafka }, ['registry', 'gateway', 'projection'], use, {
        KETENHUB_JWT_ISSUERS: JSON.stringify([
          { issuer: idp.issuer, audience: 'ketenhub', jwksUrl: idp.jwksUrl, oins: demoOins() },
        ]),
      }),
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
      const browser = await chromium.launch({
        executablePath: chromiumPath,
        args: [
          '--no-sandbox',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
        ],
      });
      try {
        await use(browser);
      } finally {
        await browser.close();
      }
    },
    { scope: 'file' },
  ],
});

const admin = (hub: HubProcesses, path: string, body: unknown) =>
  fetch(`${hub.url('registry')}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${hub.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

/** A case system of a demo organisation, registered for this test, that publishes through the gateway. */
async function system(
  hub: HubProcesses,
  org: (typeof demoOrganisations)[keyof typeof demoOrganisations],
  name: string,
  publishes: EventType[],
) {
  const res = await admin(hub, '/systems', {
    oin: org.oin,
    name,
    roles: [org.rol],
    domains: [org.domein],
    publishes,
    consumes: [],
  });
  expect(res.status, await res.clone().text()).toBe(201);
  const { token, source } = await json<{ token: string; source: string }>(res);
  let minute = 0;
  return {
    name,
    async publish<T extends EventType>(subject: string, date: string, type: T, data: EventData<T>) {
      const time = `${date}T08:${String(minute++ % 60).padStart(2, '0')}:00.000Z`;
      const event = makeEvent(type, data, { subject, id: randomUUID(), source, time });
      await publishAccepted(hub, token, event, `${name} publishes ${type}`);
    },
  };
}

const today = amsterdamDate(Date.now());
const d = (n: number) => addDays(today, n);
const weekday = (iso: string) => new Date(`${iso}T00:00:00Z`).getUTCDay();
const nlDatum = (iso: string) =>
  new Intl.DateTimeFormat('nl-NL', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  }).format(new Date(`${iso}T00:00:00Z`));

/**
 * Receipt of the permit request: a Wednesday ten or more days ago. Its 8-week term plus the 14 days
 * of the running suspension is ten weeks, so the deadline is a Wednesday too, which the Algemene
 * termijnenwet leaves alone unless it is a public holiday; those weeks are skipped.
 */
function ontvangstWoensdag(): string {
  let date = d(-10);
  while (weekday(date) !== 3) date = addDays(date, -1);
  const holidays = ['12-25', '12-26', '01-01', '04-27', '05-05'];
  while (holidays.includes(addDays(date, 70).slice(5))) date = addDays(date, -7);
  return date;
}

interface Seeded {
  lopend: string;
  wachtlijst: string;
  nieuw: string;
  vergunning: string;
  ontvangst: string;
  gemeente: Awaited<ReturnType<typeof system>>;
  bevoegdGezag: Awaited<ReturnType<typeof system>>;
}

/** Chain cases around today: one with care started and an open request to the provider, one waiting
 *  past its onderzoek term, one just reported, and a permit request whose clock is suspended now. */
async function seed(hub: HubProcesses): Promise<Seeded> {
  const g = demoOrganisations.gemeente;
  const z = demoOrganisations.zorgaanbieder;
  const gemeente = await system(hub, g, 'e2e-sociaal-domein', [
    'nl.ketens.ketenzaak-geopend',
    'nl.ketens.deelnemer-aangesloten',
    'nl.ketens.actieverzoek-verzonden',
    'nl.ketens.document-toegevoegd',
    'nl.wmo.melding-ontvangen',
    'nl.wmo.onderzoek-gestart',
    'nl.wmo.onderzoek-afgerond',
    'nl.wmo.aanvraag-ontvangen',
    'nl.wmo.beschikking-afgegeven',
    'nl.wmo.toewijzing-verzonden',
  ]);
  const ecd = await system(hub, z, 'e2e-ecd', ['nl.wmo.retourbericht-verzonden', 'nl.wmo.zorg-gestart']);
  const bevoegdGezag = await system(hub, demoOrganisations.bevoegdGezag, 'e2e-vth', [
    'nl.ketens.ketenzaak-geopend',
    'nl.omgevingswet.aanvraag-ontvangen',
    'nl.omgevingswet.aanvulling-gevraagd',
    'nl.omgevingswet.aanvulling-ontvangen',
  ]);

  const opening = (zaakreferentie: string) =>
    ({ domein: 'wmo', oin: g.oin, rol: 'gemeente', systeem: gemeente.name, zaakreferentie }) as const;
  const melding = (date: string) =>
    ({
      bsn: '999993653',
      gemeentecode: '0999',
      meldingsdatum: date,
      verwijzer: { soort: 'huisarts' },
    }) as const;

  const lopend = randomUUID();
  await gemeente.publish(lopend, d(-20), 'nl.ketens.ketenzaak-geopend', opening('WMO-E2E-A'));
  await gemeente.publish(lopend, d(-20), 'nl.wmo.melding-ontvangen', melding(d(-20)));
  await gemeente.publish(lopend, d(-18), 'nl.wmo.onderzoek-gestart', { startdatum: d(-18) });
  await gemeente.publish(lopend, d(-9), 'nl.wmo.onderzoek-afgerond', {
    einddatum: d(-9),
    verslagVerstrekt: true,
  });
  await gemeente.publish(lopend, d(-9), 'nl.wmo.aanvraag-ontvangen', {
    aanvraagdatum: d(-9),
    productcategorieen: ['02'],
  });
  await gemeente.publish(lopend, d(-3), 'nl.wmo.beschikking-afgegeven', {
    beschikkingsnummer: 'BS-E2E-A',
    besluitdatum: d(-3),
    besluit: 'toegekend',
    voorzieningen: [{ productcategorie: '02', productcode: '02A05', ingangsdatum: d(-1), einddatum: d(364) }],
  });
  await gemeente.publish(lopend, d(-3), 'nl.ketens.deelnemer-aangesloten', {
    oin: z.oin,
    naam: z.naam,
    rol: 'zorgaanbieder',
    systeem: ecd.name,
    zaakreferentie: 'CL-E2E-A',
    toegang: 'beperkt',
  });
  await gemeente.publish(lopend, d(-3), 'nl.wmo.toewijzing-verzonden', {
    bsn: '999993653',
    gemeentecode: '0999',
    zorgaanbieder: '98123456',
    toewijzing: {
      toewijzingNummer: 400_000_901,
      productcategorie: '02',
      productcode: '02A05',
      ingangsdatum: d(-1),
      einddatum: d(364),
      omvang: { volume: 4, eenheid: 'uur', frequentie: 'per-week' },
      toewijzingsdatum: d(-3),
    },
  });
  await ecd.publish(lopend, d(-3), 'nl.wmo.retourbericht-verzonden', {
    heenbericht: 'WMO301',
    toewijzingNummer: 400_000_901,
    retourcodes: ['0200'],
    geaccepteerd: true,
  });
  await ecd.publish(lopend, d(-1), 'nl.wmo.zorg-gestart', {
    toewijzingNummer: 400_000_901,
    zorgaanbieder: '98123456',
    productcategorie: '02',
    productcode: '02A05',
    begindatum: d(-1),
  });
  await gemeente.publish(lopend, d(-1), 'nl.ketens.actieverzoek-verzonden', {
    actieverzoekId: randomUUID(),
    status: 'OPEN',
    soort: 'informatieverzoek',
    van: g.oin,
    aan: z.oin,
    omschrijving: 'Stuur het zorgplan na de intake',
    uiterlijkeDatum: d(4),
  });

  const wachtlijst = randomUUID();
  await gemeente.publish(wachtlijst, d(-45), 'nl.ketens.ketenzaak-geopend', opening('WMO-E2E-B'));
  await gemeente.publish(wachtlijst, d(-45), 'nl.wmo.melding-ontvangen', melding(d(-45)));
  await gemeente.publish(wachtlijst, d(-44), 'nl.wmo.onderzoek-gestart', { startdatum: d(-44) });

  const nieuw = randomUUID();
  await gemeente.publish(nieuw, d(-2), 'nl.ketens.ketenzaak-geopend', opening('WMO-E2E-C'));
  await gemeente.publish(nieuw, d(-2), 'nl.wmo.melding-ontvangen', melding(d(-2)));

  const vergunning = randomUUID();
  const ontvangst = ontvangstWoensdag();
  await bevoegdGezag.publish(vergunning, ontvangst, 'nl.ketens.ketenzaak-geopend', {
    domein: 'omgevingswet',
    oin: demoOrganisations.bevoegdGezag.oin,
    rol: 'bevoegd-gezag',
    systeem: bevoegdGezag.name,
    zaakreferentie: 'OLO-E2E-P',
    procedure: 'regulier',
  });
  await bevoegdGezag.publish(vergunning, ontvangst, 'nl.omgevingswet.aanvraag-ontvangen', {
    verzoeknummer: '2026-E2E-0001',
    ontvangstdatum: ontvangst,
    procedure: 'regulier',
    activiteiten: ['Bouwactiviteit (omgevingsplanactiviteit)'],
  });
  await bevoegdGezag.publish(vergunning, d(-3), 'nl.omgevingswet.aanvulling-gevraagd', {
    verzoekdatum: d(-3),
    uiterlijkeAanleverdatum: d(11),
    ontbrekendeGegevens: ['Constructieberekening'],
  });
  return { lopend, wachtlijst, nieuw, vergunning, ontvangst, gemeente, bevoegdGezag };
}

/** Logs in through the identity provider's page, as a case worker does: real redirects. */
async function login(context: BrowserContext, hub: HubProcesses, user: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${hub.url('projection')}/ui/`);
  await expectAccessible(page, 'het inlogscherm');
  await page.locator('#providers button').first().click();
  await page.waitForURL(/\/authorize\?/);
  await page.click(`button[name=gebruiker][value="${user}"]`);
  await page.waitForURL(/\/ui\/(#.*)?$/);
  await page.locator('#zaken tr').first().waitFor();
  // The code and state are gone from the address once exchanged.
  expect(page.url()).not.toContain('code=');
  return page;
}

async function expectAccessible(page: Page, where: string) {
  await page.evaluate(axeSource);
  const violations = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] }).then((r) =>
    r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) })))`)) as {
    id: string;
    impact: string;
    help: string;
    targets: string[];
  }[];
  expect(
    violations.filter((v) => v.impact === 'serious' || v.impact === 'critical'),
    `axe on ${where}`,
  ).toEqual([]);
}

function screenshot(page: Page, name: string) {
  mkdirSync(join(root, 'docs', 'images'), { recursive: true });
  return page.screenshot({ path: join(root, 'docs', 'images', name), fullPage: true });
}

const viewport = { width: 1280, height: 900 };

describe('the case worker page', () => {
  let seeded: Seeded;

  test('a WMO consultant logs in at the organisation, sees the worklist by urgency, finds a case by its number and watches it live', async ({
    hub,
    browser,
  }) => {
    await seedDemo({
      registryUrl: hub.url('registry'),
      gatewayUrl: hub.url('gateway'),
      adminToken: hub.adminToken,
    });
    seeded = await seed(hub);
    const context = await browser.newContext({ viewport });
    const failed: string[] = [];
    context.on('weberror', (e) => failed.push(e.error().message));
    const page = await login(context, hub, 'consulent-wmo');
    expect(await page.textContent('#wie')).toBe('Fatima El Amrani · Gemeente Voorbeeldstad · gemeente');

    // Every case projected; the one waiting past its onderzoek term comes first.
    await expect.poll(() => page.locator('#zaken tr').count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(4);
    const first = page.locator('#zaken tr').first();
    await expect.poll(() => first.getAttribute('data-id'), { timeout: 30_000 }).toBe(seeded.wachtlijst);
    expect(await first.textContent()).toContain('Onderzoekstermijn verlopen');
    expect(await page.textContent('#zaken')).toContain('Zorg Thuis Voorbeeld B.V.');
    await expectAccessible(page, 'de werklijst');
    await screenshot(page, 'werklijst-gemeente.png');

    // Search by the local case number.
    await page.fill('#zaakreferentie', 'WMO-E2E-C');
    await page.click('#zoeken button[type=submit]');
    await expect.poll(() => page.locator('#zaken tr').count()).toBe(1);
    expect(await page.locator('#zaken tr').getAttribute('data-id')).toBe(seeded.nieuw);
    await page.click('#wissen');
    await expect.poll(() => page.locator('#zaken tr').count()).toBeGreaterThanOrEqual(4);

    // The running case: clocks with their articles, the onderzoek, the participants by name.
    await page.click(`#zaken tr[data-id="${seeded.lopend}"] a`);
    await page.locator('#tijdlijn li').first().waitFor();
    expect(await page.textContent('#zaaktitel')).toBe('Ketenzaak WMO-E2E-A');
    expect(await page.textContent('#termijnen')).toContain('Wmo 2015 art. 2.3.2 lid 1');
    expect(await page.textContent('#secties')).toContain('Melding en onderzoek');
    expect(await page.textContent('#tijdlijn')).toContain('Onderzoek gestart — Gemeente Voorbeeldstad');
    expect(await page.textContent('#tijdlijn')).toContain('Zorg gestart — Zorg Thuis Voorbeeld B.V.');
    expect(await page.textContent('#deelnemers')).toContain('Zorg Thuis Voorbeeld B.V.');
    await page.locator('#live:not([hidden])').waitFor();
    await expectAccessible(page, 'een WMO-zaak');
    await screenshot(page, 'zaak-gemeente.png');

    // A document arrives while the page is open: it appears without a reload.
    await page.evaluate('window.geenHerlaad = true');
    const before = await page.locator('#tijdlijn li').count();
    await seeded.gemeente.publish(seeded.lopend, today, 'nl.ketens.document-toegevoegd', {
      documentId: 'E2E-DOC-1',
      titel: 'Verslag keukentafelgesprek',
      documentUrl: 'https://zaken.voorbeeldstad.example/documenten/E2E-DOC-1',
      mediatype: 'application/pdf',
      vertrouwelijkheid: 'regulier',
    });
    await expect.poll(() => page.locator('#tijdlijn li').count(), { timeout: 30_000 }).toBe(before + 1);
    expect(await page.textContent('#secties')).toContain('Verslag keukentafelgesprek');
    expect(await page.textContent('#secties')).toContain('Gemeente Voorbeeldstad');
    expect(await page.evaluate('window.geenHerlaad')).toBe(true);

    // The shell's headers: strict CSP (the provider's origin only for connect), no referrer.
    const shell = await fetch(`${hub.url('projection')}/ui/`);
    const csp = shell.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain(`connect-src 'self' ${new URL(hub.url('projection')).protocol}//127.0.0.1:`);
    expect(shell.headers.get('referrer-policy')).toBe('no-referrer');
    const catalogus = await json<{ typen: Record<string, { omschrijving: string }> }>(
      await fetch(`${hub.url('projection')}/ui/catalogus.json`),
    );
    expect(catalogus.typen['nl.wmo.melding-ontvangen']?.omschrijving).toMatch(
      /^De gemeente heeft een melding/,
    );

    await page.click('#uitloggen');
    expect(await page.isVisible('#inloggen')).toBe(true);
    expect(await page.evaluate('sessionStorage.getItem("ketenhub.sessie")')).toBeNull();
    expect(failed).toEqual([]);
    await context.close();
  });

  test("a care provider's planner sees the case from its own seat: its request on top, and no melding or onderzoek anywhere", async ({
    hub,
    browser,
  }) => {
    const context = await browser.newContext({ viewport });
    const bodies: { url: string; body: string }[] = [];
    context.on('response', async (res) => {
      const url = new URL(res.url());
      if (url.origin !== hub.url('projection') || !url.pathname.startsWith('/cases')) return;
      // Streams never finish; their events are in the page's case JSON, checked the same way below.
      if (url.pathname.endsWith('/stream')) return;
      bodies.push({ url: url.pathname + url.search, body: await res.text().catch(() => '') });
    });
    const page = await login(context, hub, 'planner-zorg');
    expect(await page.textContent('#wie')).toBe('Joost de Vries · Zorg Thuis Voorbeeld B.V. · zorgaanbieder');
    const first = page.locator('#zaken tr').first();
    await expect.poll(() => first.getAttribute('data-id'), { timeout: 30_000 }).toBe(seeded.lopend);
    expect(await first.textContent()).toContain('Actieverzoek aan jou');
    // Cases it does not take part in are not there.
    expect(await page.locator(`#zaken tr[data-id="${seeded.wachtlijst}"]`).count()).toBe(0);
    await expectAccessible(page, 'de werklijst van de zorgaanbieder');
    await screenshot(page, 'werklijst-zorgaanbieder.png');

    await page.click(`#zaken tr[data-id="${seeded.lopend}"] a`);
    await page.locator('#tijdlijn li').first().waitFor();
    expect(await page.textContent('#tijdlijn')).toContain('Toewijzing verzonden — Gemeente Voorbeeldstad');
    expect(await page.textContent('#secties')).toContain('Stuur het zorgplan na de intake');
    await expectAccessible(page, 'de zaak bij de zorgaanbieder');
    await screenshot(page, 'zaak-zorgaanbieder.png');

    const text = ((await page.locator('body').textContent()) ?? '').toLowerCase();
    expect(text).not.toContain('onderzoek');
    expect(text).not.toContain('melding');
    expect(bodies.some((b) => b.url.startsWith(`/cases/${seeded.lopend}/events`))).toBe(true);
    for (const { url, body } of bodies) {
      expect(body, url).not.toMatch(/nl\.wmo\.(onderzoek|melding)-|"(onderzoek|melding)"/);
    }
    // And the API says so directly, for the same token.
    const token = (await page.evaluate(
      `JSON.parse(sessionStorage.getItem('ketenhub.sessie')).accessToken`,
    )) as string;
    const res = await fetch(`${hub.url('projection')}/cases/${seeded.wachtlijst}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(404);
    await context.close();
  });

  test('the permit case shows its suspended clock with the new deadline, and follows the supplement live across a token renewal', async ({
    hub,
    browser,
  }) => {
    const context = await browser.newContext({ viewport });
    let refreshes = 0;
    let streams = 0;
    context.on('request', (req) => {
      if (
        req.method() === 'POST' &&
        req.url().endsWith('/token') &&
        (req.postData() ?? '').includes('refresh_token')
      )
        refreshes++;
      if (req.url().endsWith(`/cases/${seeded.vergunning}/stream`)) streams++;
    });
    const page = await login(context, hub, 'vergunningverlener');
    await page.click(`#zaken tr[data-id="${seeded.vergunning}"] a`);
    const klok = page.locator('article[data-soort="omgevingswet-beslistermijn-regulier"]');
    await klok.waitFor();
    // Eight weeks from receipt plus the 14 days suspended so far (the day after the request up to
    // the day set for the supplement, Awb 4:15): ten weeks.
    const deadline = addDays(seeded.ontvangst, 70);
    expect(await klok.textContent()).toContain('opgeschort');
    expect(await klok.textContent()).toContain(`Deadline${nlDatum(deadline)}`);
    expect(await klok.textContent()).toContain('Omgevingswet art. 16.64 lid 1');
    expect(await page.textContent('#secties')).toContain('Constructieberekening');
    await expectAccessible(page, 'de vergunningzaak');
    await screenshot(page, 'zaak-bevoegd-gezag.png');

    // The token runs out while the page is open: the stream ends with token-verlopen and the page
    // opens it again with a token it refreshed.
    await expect.poll(() => streams, { timeout: (tokenTtlS + 20) * 1000 }).toBeGreaterThanOrEqual(2);
    expect(refreshes).toBeGreaterThanOrEqual(1);

    await seeded.bevoegdGezag.publish(seeded.vergunning, today, 'nl.omgevingswet.aanvulling-ontvangen', {
      ontvangstdatum: today,
    });
    // Supplemented today: suspended from the day after the request to yesterday, two days.
    await expect.poll(() => klok.textContent(), { timeout: 30_000 }).toContain('Opgeschort2 dagen');
    expect(await klok.textContent()).not.toContain('loopt nog');
    await context.close();
  });
});

describe('a pasted token (developers)', () => {
  test('a developer pastes a token from the registry; a wrong one is refused', async ({ hub, browser }) => {
    const res = await admin(hub, '/dev/tokens', {
      oin: demoOrganisations.gemeente.oin,
      sub: 'ontwikkelaar',
      roles: ['gemeente'],
    });
    const { token } = await json<{ token: string }>(res);
    await eventually(async () => {
      const list = await fetch(`${hub.url('projection')}/cases?limit=1`, {
        headers: { authorization: `Bearer ${token}` },
      });
      return list.status === 200 ? true : undefined;
    }, 'the dev token works');
    const page = await browser.newPage({ viewport });
    await page.goto(`${hub.url('projection')}/ui/`);
    await page.click('summary');
    await page.fill('#token', 'geen-token');
    await page.click('#inlogformulier button[type=submit]');
    await expect.poll(() => page.textContent('#inlogfout')).toMatch(/niet \(meer\) geldig/);
    await page.fill('#token', token);
    await page.click('#inlogformulier button[type=submit]');
    await page.locator('#zaken tr').first().waitFor();
    await page.close();
  });
});
