/**
 * @ketenhub/asyncapi: the published event contract. AsyncAPI 3.0 documents, JSON Schemas, HTML docs and
 * the compatibility guard, all generated from @ketenhub/events. The gateway serves `getDocument(name)` at
 * `GET /asyncapi/<name>` and `getHtml()` at `/docs`.
 */
import { stringify } from 'yaml';
import { catalogMarkdown } from './catalog-md';
import { bundledDocument, type DocumentName, documentNames } from './document';
import { renderDocumentHtml, renderIndexHtml } from './html';

export {
  type BreakingChange,
  type CompatReport,
  compareContract,
  compareSchemas,
  nextVersion,
} from './compat';
export {
  buildDocument,
  bundledDocument,
  DEFAULT_PARTITIONS,
  type DocumentName,
  type DocumentOptions,
  documentNames,
} from './document';
export { allSchemas, dataJsonSchema, envelopeJsonSchema, eventJsonSchema, type JsonSchema } from './schemas';

const documents = new Map<DocumentName, Record<string, unknown>>();
const pages = new Map<string, string>();

/** True when `name` is one of the documents (`wmo`, `omgevingswet`, `ketens`). */
export function isDocumentName(name: string): name is DocumentName {
  return (documentNames as readonly string[]).includes(name);
}

/**
 * The AsyncAPI 3.0 document `name` as a plain object, with every schema inlined (no `$ref` to files),
 * ready to be sent as JSON. Built once per process from the catalog; treat it as read-only.
 */
export function getDocument(name: DocumentName): Readonly<Record<string, unknown>> {
  let doc = documents.get(name);
  if (!doc) {
    doc = bundledDocument(name);
    documents.set(name, doc);
  }
  return doc;
}

/** The bundled document as YAML (for `Accept: application/yaml`). */
export function getDocumentYaml(name: DocumentName): string {
  return stringify(getDocument(name), { lineWidth: 0, aliasDuplicateObjects: false });
}

/**
 * Static HTML rendering: `index` (links to all documents) or one document. Links between pages are
 * relative (`wmo.html`), so serve them side by side, e.g. `/docs/` and `/docs/wmo.html`.
 */
export function getHtml(page: 'index' | DocumentName = 'index'): string {
  let html = pages.get(page);
  if (!html) {
    html = page === 'index' ? renderIndexHtml() : renderDocumentHtml(page);
    pages.set(page, html);
  }
  return html;
}

/** The catalog table (type, meaning, publishers, effect on legal clocks) as Markdown. */
export function getCatalogMarkdown(): string {
  return catalogMarkdown();
}

/**
 * Lenient lookup for HTTP handlers: the bundled document for any name string, or undefined for an
 * unknown one. Same as {@link getDocument} otherwise (the gateway's contract loader looks for this name).
 */
export function asyncApiDocument(name: string): Readonly<Record<string, unknown>> | undefined {
  return isDocumentName(name) ? getDocument(name) : undefined;
}

/** The HTML index page; alias of `getHtml('index')` under the name the gateway's loader looks for. */
export function asyncApiHtml(): string {
  return getHtml('index');
}
