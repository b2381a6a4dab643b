import { bundledDocument, type DocumentName, documentNames } from './document';
import type { JsonSchema } from './schemas';

/**
 * A small static HTML renderer for the AsyncAPI documents (@asyncapi/generator needs Node 24, and the
 * hub's docs need no JavaScript). Pure functions: the gateway serves the same strings it would find in
 * docs/contract/.
 */

function esc(text: unknown): string {
  return String(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

function inline(text: string): string {
  return esc(text)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
    .replace(/\*([^*]+)\*/g, '<em>$1</em>');
}

/** Renders the small Markdown subset used in descriptions: headings, lists, paragraphs, inline marks. */
export function markdown(text: string): string {
  const out: string[] = [];
  let list = false;
  for (const block of text.split('\n')) {
    const line = block.trimEnd();
    if (line.startsWith('- ')) {
      if (!list) out.push('<ul>');
      list = true;
      out.push(`<li>${inline(line.slice(2))}</li>`);
      continue;
    }
    if (list) out.push('</ul>');
    list = false;
    if (line.startsWith('## ')) out.push(`<h4>${inline(line.slice(3))}</h4>`);
    else if (line !== '') out.push(`<p>${inline(line)}</p>`);
  }
  if (list) out.push('</ul>');
  return out.join('\n');
}

function anchor(type: string): string {
  return `msg-${type.replace(/[^a-z0-9-]/g, '-')}`;
}

function typeLabel(schema: JsonSchema): string {
  if (schema.const !== undefined) return `const ${JSON.stringify(schema.const)}`;
  if (Array.isArray(schema.enum)) return `enum ${schema.enum.map((v) => JSON.stringify(v)).join(' | ')}`;
  const type = Array.isArray(schema.type) ? schema.type.join(' | ') : String(schema.type ?? 'any');
  if (type === 'array' && schema.items) return `array of ${typeLabel(schema.items as JsonSchema)}`;
  return type;
}

function constraints(schema: JsonSchema): string {
  const parts: string[] = [];
  for (const key of [
    'format',
    'pattern',
    'minLength',
    'maxLength',
    'minimum',
    'maximum',
    'minItems',
    'maxItems',
  ]) {
    if (
      schema[key] !== undefined &&
      !(key === 'minimum' || key === 'maximum' ? Math.abs(Number(schema[key])) > 1e12 : false)
    ) {
      parts.push(`${key}: <code>${esc(schema[key])}</code>`);
    }
  }
  if (Array.isArray(schema.oneOf)) parts.push(`exactly one of: ${esc(JSON.stringify(schema.oneOf))}`);
  if (Array.isArray(schema.anyOf)) parts.push(`at least one of: ${esc(JSON.stringify(schema.anyOf))}`);
  if (schema.not) parts.push(`not: ${esc(JSON.stringify(schema.not))}`);
  return parts.join('<br>');
}

/** Flattens an object schema into table rows: dotted path, type, required, constraints, description. */
function rows(schema: JsonSchema, prefix = ''): string[] {
  const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const out: string[] = [];
  for (const [name, raw] of Object.entries(props)) {
    const path = prefix ? `${prefix}.${name}` : name;
    const child = raw.type === 'array' && raw.items ? (raw.items as JsonSchema) : raw;
    out.push(
      `<tr><td><code>${esc(path)}</code></td><td>${esc(typeLabel(raw))}</td><td>${required.has(name) ? 'yes' : ''}</td><td>${constraints(raw)}</td><td>${esc(raw.description ?? '')}</td></tr>`,
    );
    if (child.type === 'object' && child.properties)
      out.push(...rows(child, raw.type === 'array' ? `${path}[]` : path));
  }
  return out;
}

function schemaTable(schema: JsonSchema): string {
  return `<table class="schema"><thead><tr><th>field</th><th>type</th><th>required</th><th>constraints</th><th>description</th></tr></thead><tbody>${rows(schema).join('')}</tbody></table>`;
}

const STYLE = `
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1b1b1b;line-height:1.45}
header{background:#154273;color:#fff;padding:1rem 2rem}header a{color:#fff}
main{display:flex}nav{width:22rem;flex:none;padding:1rem;border-right:1px solid #ddd;font-size:.85rem;position:sticky;top:0;max-height:100vh;overflow:auto}
nav ul{list-style:none;padding-left:.5rem}section.content{padding:1rem 2rem;max-width:70rem;overflow-x:auto}
code{background:#f3f3f3;padding:0 .2rem;border-radius:3px;font-size:.9em}pre{background:#f6f8fa;padding:1rem;overflow:auto;font-size:.8rem}
table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0}td,th{border:1px solid #ddd;padding:.25rem .5rem;vertical-align:top;text-align:left}
.message{border-top:2px solid #154273;margin-top:2rem;padding-top:.5rem}.tag{display:inline-block;background:#e8eef5;border-radius:3px;padding:0 .4rem;margin-right:.3rem;font-size:.8rem}
.pd{background:#fde2e1}`;

function page(title: string, nav: string, body: string): string {
  return `<!doctype html>
<html lang="nl">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)}</title><style>${STYLE}</style></head>
<body><header><h1>${esc(title)}</h1><a href="index.html">all documents</a> · <a href="catalog.md">catalog (markdown)</a></header>
<main><nav>${nav}</nav><section class="content">${body}</section></main></body></html>
`;
}

type Obj = Record<string, unknown>;

/** Renders one document as a standalone HTML page. */
export function renderDocumentHtml(name: DocumentName): string {
  const doc = bundledDocument(name);
  const info = doc.info as Obj;
  const servers = doc.servers as Record<string, Obj>;
  const channels = doc.channels as Record<string, Obj>;
  const operations = doc.operations as Record<string, Obj>;
  const messages = (doc.components as Obj).messages as Record<string, Obj>;

  const nav = `<strong>Messages</strong><ul>${Object.keys(messages)
    .map((t) => `<li><a href="#${anchor(t)}">${esc(t)}</a></li>`)
    .join('')}</ul>`;

  const body: string[] = [];
  body.push(
    `<p>AsyncAPI ${esc(doc.asyncapi)} · version ${esc(info.version)} · <code>${esc(doc.id)}</code></p>`,
  );
  body.push(markdown(String(info.description)));
  body.push(
    '<h2>Servers</h2><table><tr><th>name</th><th>host</th><th>protocol</th><th>description</th></tr>',
  );
  for (const [id, s] of Object.entries(servers)) {
    body.push(
      `<tr><td>${esc(id)}</td><td><code>${esc(s.host)}</code></td><td>${esc(s.protocol)}</td><td>${esc(s.description ?? '')}</td></tr>`,
    );
  }
  body.push('</table><h2>Channels (Kafka topics)</h2>');
  for (const [id, c] of Object.entries(channels)) {
    const kafka = ((c.bindings as Obj).kafka ?? {}) as Obj;
    body.push(
      `<h3><code>${esc(c.address ?? id)}</code></h3>${markdown(String(c.description ?? ''))}<p>partitions: <code>${esc(kafka.partitions)}</code> · topic configuration: <code>${esc(JSON.stringify(kafka.topicConfiguration))}</code> · key: chain case id (UUID)</p>`,
    );
  }
  body.push(
    '<h2>Operations: who sends, who receives</h2><table><tr><th>operation</th><th>action</th><th>channel</th><th>messages</th></tr>',
  );
  for (const [id, o] of Object.entries(operations)) {
    const channel = String((o.channel as Obj).$ref ?? '')
      .split('/')
      .pop();
    const list = (o.messages as Obj[])
      .map((m) => String(m.$ref).split('/').pop()!)
      .map((t) => `<a href="#${anchor(t)}">${esc(t)}</a>`)
      .join('<br>');
    body.push(
      `<tr><td>${esc(id)}<br><small>${esc(o.summary ?? '')}</small></td><td>${esc(o.action)}</td><td><code>${esc(channel)}</code></td><td>${list}</td></tr>`,
    );
  }
  body.push('</table><h2>Messages</h2>');
  for (const [type, m] of Object.entries(messages)) {
    const tags = ((m.tags as Obj[] | undefined) ?? [])
      .map((t) => `<span class="tag${t.name === 'persoonsgegevens' ? ' pd' : ''}">${esc(t.name)}</span>`)
      .join('');
    const payload = (m.payload as Obj).schema as JsonSchema;
    const data = ((payload.properties as Record<string, JsonSchema>).data ?? {}) as JsonSchema;
    const examples = (m.examples as Obj[] | undefined) ?? [];
    body.push(`<div class="message" id="${anchor(type)}"><h3><code>${esc(type)}</code></h3>${tags}`);
    body.push(markdown(String(m.description ?? '')));
    body.push('<h4>data</h4>', schemaTable(data));
    body.push(
      '<details><summary>Envelope attributes</summary>',
      schemaTable({
        ...payload,
        properties: Object.fromEntries(
          Object.entries(payload.properties as Obj).filter(([k]) => k !== 'data'),
        ),
      }),
      '</details>',
    );
    for (const ex of examples) {
      body.push(
        `<h4>Example: ${esc(ex.name)}</h4><pre>${esc(JSON.stringify({ headers: ex.headers, value: ex.payload }, null, 2))}</pre>`,
      );
    }
    body.push('</div>');
  }
  return page(String(info.title), nav, body.join('\n'));
}

/** Renders the index page linking every document. */
export function renderIndexHtml(): string {
  const items = documentNames
    .map((name) => {
      const info = bundledDocument(name).info as Obj;
      return `<li><a href="${name}.html">${esc(info.title)}</a> — <code>${name}</code></li>`;
    })
    .join('');
  const nav = `<ul>${documentNames.map((n) => `<li><a href="${n}.html">${n}</a></li>`).join('')}</ul>`;
  return page(
    'Ketenhub event contract',
    nav,
    `<p>The AsyncAPI 3.0 documents of the Ketenhub event contract, one per chain domain plus the chain-level events. Raw documents: <code>GET /asyncapi/&lt;name&gt;</code> on the gateway.</p><ul>${items}</ul>`,
  );
}

/** All HTML pages: file name -> HTML. */
export function renderHtmlPages(): Map<string, string> {
  const pages = new Map<string, string>([['index.html', renderIndexHtml()]]);
  for (const name of documentNames) pages.set(`${name}.html`, renderDocumentHtml(name));
  return pages;
}
