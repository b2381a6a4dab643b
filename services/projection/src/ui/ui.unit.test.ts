import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { uiRoutes } from './ui.routes';

/** The page shell as the router serves it: files, login options, wording, headers. */
let base = '';
let close: () => Promise<void> = async () => undefined;

beforeAll(async () => {
  const app = express();
  app.use(
    uiRoutes({
      issuers: [
        {
          issuer: 'https://idp.voorbeeldstad.example',
          audience: 'ketenhub',
          jwksUrl: 'https://idp.voorbeeldstad.example/jwks',
          oins: ['00000099100000001000', '00000001234567890000'],
        },
        {
          issuer: 'urn:ketenhub:dev-issuer',
          audience: 'ketenhub',
          secret: 'x'.repeat(32),
          oinPattern: '00000099\\d{12}',
        },
      ],
    }),
  );
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => new Promise<void>((resolve) => server.close(() => resolve()));
});
afterAll(() => close());

describe('the page shell', () => {
  test('offers a login with every issuer that has a JWKS, naming the organisations it speaks for', async () => {
    const opties = await (await fetch(`${base}/ui/aanmelden.json`)).json();
    expect(opties).toEqual([
      {
        issuer: 'https://idp.voorbeeldstad.example',
        clientId: 'ketenhub',
        organisaties: ['Gemeente Voorbeeldstad', '00000001234567890000'],
      },
    ]);
  });

  test('a strict CSP that lets the page reach only itself and the identity providers', async () => {
    const res = await fetch(`${base}/ui/`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("connect-src 'self' https://idp.voorbeeldstad.example;");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  test('serves the NL Design System styles from node_modules and the catalog in words, without case data', async () => {
    const components = await fetch(`${base}/ui/nlds/componenten.css`);
    expect(components.headers.get('content-type')).toMatch(/^text\/css/);
    expect(await components.text()).toContain('.utrecht-button');
    expect(await (await fetch(`${base}/ui/nlds/thema.css`)).text()).toContain('.voorbeeld-theme');
    const catalogus = (await (await fetch(`${base}/ui/catalogus.json`)).json()) as {
      typen: Record<string, unknown>;
      termijnen: Record<string, { grondslag: string }>;
    };
    expect(catalogus.typen['nl.wmo.toewijzing-verzonden']).toEqual({
      omschrijving:
        'De gemeente heeft een voorziening toegewezen aan een zorgaanbieder (WMO301), of een toewijzing gewijzigd.',
      domein: 'wmo',
    });
    expect(catalogus.termijnen['omgevingswet-beslistermijn-regulier']?.grondslag).toBe(
      'Omgevingswet art. 16.64 lid 1 en 2',
    );
    expect(Object.keys(catalogus).sort()).toEqual(['organisaties', 'termijnen', 'typen']);
    expect((await fetch(`${base}/ui/../package.json`)).status).toBe(404);
    expect((await fetch(`${base}/ui/nlds/..%2F..%2Fpackage.json`)).status).toBe(404);
  });
});
