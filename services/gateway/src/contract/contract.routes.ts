import { getDocument, getDocumentYaml, getHtml, isDocumentName } from '@ketenhub/asyncapi';
import { AppError } from '@ketenhub/service';
import { type RequestHandler, Router } from 'express';

/**
 * The contract, generated from @ketenhub/events by @ketenhub/asyncapi:
 * - `GET /asyncapi/<domain>`: the AsyncAPI 3.0 document (`wmo`, `omgevingswet`, `ketens`) as JSON,
 *   or YAML with `Accept: application/yaml`;
 * - `GET /docs/` and `/docs/<domain>.html`: the browsable rendering (relative links between pages).
 */
export function contractRouter(guard: RequestHandler): Router {
  const router = Router();
  const documentName = (raw: unknown) => {
    const name = String(raw);
    if (!isDocumentName(name))
      throw new AppError('not-found', `no contract named ${name}; try wmo, omgevingswet or ketens`);
    return name;
  };

  router.get('/asyncapi/:domain', guard, (req, res) => {
    const name = documentName(req.params.domain);
    if (req.accepts(['application/json', 'application/yaml']) === 'application/yaml') {
      res.type('application/yaml').send(getDocumentYaml(name));
    } else {
      res.json(getDocument(name));
    }
  });
  router.get('/docs', guard, (req, res) => {
    // Express matches /docs and /docs/ alike; the pages link relatively, so they need the slash.
    if (!req.path.endsWith('/')) {
      res.redirect(301, '/docs/');
      return;
    }
    res.type('text/html').send(getHtml('index'));
  });
  router.get('/docs/:page', guard, (req, res) => {
    const page = String(req.params.page);
    const name = documentName(page.endsWith('.html') ? page.slice(0, -'.html'.length) : page);
    res.type('text/html').send(getHtml(name));
  });
  return router;
}
