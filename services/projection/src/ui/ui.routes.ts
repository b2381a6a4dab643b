import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { IssuerConfig } from '@ketenhub/service';
import { Router as createRouter, type RequestHandler, type Router } from 'express';
import { aanmeldopties, providerOrigins } from './aanmelden';
import { catalogus } from './catalogus';

/**
 * The case worker's web page (Dutch), at /ui/. Everything served here is the page shell: markup,
 * scripts, the NL Design System styles (the Utrecht component library and the Voorbeeld theme's
 * design tokens, served from node_modules), the catalog's wording and the login options. None of
 * it holds case data, so it is served without a token; every piece of data the page shows comes
 * from the read API with the worker's bearer token, filtered there like any other read (and logged).
 *
 * Strict headers: scripts and styles only from this origin (no inline code), network calls only to
 * this origin and the identity providers' (discovery and the token endpoint of the login), no
 * framing, no referrer (a case id in the address does not leak to other sites), not cached (a new
 * version is seen at once).
 */
const own = (file: string) => new URL(`./static/${file}`, import.meta.url);
const fromPackage = (path: string) => createRequire(import.meta.url).resolve(path);

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

const shell: Record<string, { type: string; path: string | URL }> = {
  '': { type: 'text/html; charset=utf-8', path: own('index.html') },
  'app.js': { type: JS, path: own('app.js') },
  'weergave.js': { type: JS, path: own('weergave.js') },
  'klok.js': { type: JS, path: own('klok.js') },
  'sessie.js': { type: JS, path: own('sessie.js') },
  'app.css': { type: CSS, path: own('app.css') },
  'nlds/componenten.css': { type: CSS, path: fromPackage('@utrecht/component-library-css/dist/index.css') },
  'nlds/thema.css': {
    type: CSS,
    path: fromPackage('@nl-design-system-unstable/voorbeeld-design-tokens/dist/theme.css'),
  },
};

export interface UiOptions {
  /** Trusted issuers (KETENHUB_JWT_ISSUERS); the page offers a login with each that has a JWKS. */
  issuers?: readonly IssuerConfig[];
}

export function uiRoutes(options: UiOptions = {}): Router {
  const opties = aanmeldopties(options.issuers ?? []);
  const files = new Map<string, { type: string; body: Buffer }>(
    Object.entries(shell).map(([name, f]) => [name, { type: f.type, body: readFileSync(f.path) }]),
  );
  files.set('catalogus.json', { type: 'application/json', body: Buffer.from(JSON.stringify(catalogus())) });
  files.set('aanmelden.json', { type: 'application/json', body: Buffer.from(JSON.stringify(opties)) });

  const securityHeaders = {
    'content-security-policy': [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      `connect-src 'self' ${providerOrigins(opties).join(' ')}`.trim(),
      // The component library draws its icons (checkbox, select arrow) as data: SVGs.
      "img-src 'self' data:",
      "base-uri 'none'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ].join('; '),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  };

  const router = createRouter();
  // The page loads its files relative to /ui/; routing is not strict, so /ui matches this too.
  router.get('/ui', (req, res, next) =>
    req.originalUrl.split('?')[0] === '/ui' ? res.redirect(301, '/ui/') : next(),
  );
  const serve =
    (name: string): RequestHandler =>
    (_req, res, next) => {
      const file = files.get(name);
      if (!file) {
        next();
        return;
      }
      res.set({ ...securityHeaders, 'content-type': file.type }).send(file.body);
    };
  router.get('/ui/', serve(''));
  router.get('/ui/nlds/:file', (req, res, next) => serve(`nlds/${req.params.file}`)(req, res, next));
  router.get('/ui/:file', (req, res, next) => serve(req.params.file)(req, res, next));
  return router;
}
