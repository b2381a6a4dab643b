import { readFileSync } from 'node:fs';
import { Router as createRouter, type RequestHandler, type Router } from 'express';

/**
 * The case worker's web page (Dutch), at /ui/. The three files are the page shell: they hold no case
 * data and are served without a token; every piece of data the page shows comes from the read API
 * with the worker's bearer token, filtered there like any other read (and logged).
 *
 * Strict headers: scripts and styles only from this origin (no inline code), no framing, no referrer
 * (a case id in the address does not leak to other sites), not cached (a new version is seen at once).
 */
const files: Record<string, { type: string; body: Buffer }> = Object.fromEntries(
  [
    ['', 'index.html', 'text/html; charset=utf-8'],
    ['app.js', 'app.js', 'text/javascript; charset=utf-8'],
    ['app.css', 'app.css', 'text/css; charset=utf-8'],
  ].map(([path, file, type]) => [
    path,
    { type: type as string, body: readFileSync(new URL(`./static/${file}`, import.meta.url)) },
  ]),
);

const securityHeaders = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

export function uiRoutes(): Router {
  const router = createRouter();
  // The page loads its files relative to /ui/; routing is not strict, so /ui matches this too.
  router.get('/ui', (req, res, next) =>
    req.originalUrl.split('?')[0] === '/ui' ? res.redirect(301, '/ui/') : next(),
  );
  const serve =
    (name: string): RequestHandler =>
    (_req, res, next) => {
      const file = files[name];
      if (!file) {
        next();
        return;
      }
      res.set({ ...securityHeaders, 'content-type': file.type }).send(file.body);
    };
  router.get('/ui/', serve(''));
  router.get('/ui/:file', (req, res, next) => serve(req.params.file)(req, res, next));
  return router;
}
