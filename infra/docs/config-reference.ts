/**
 * docs/configuration.md, generated from the services' env schemas (`src/env.ts`): every variable,
 * its default as written in the schema, and its doc comment. `npm run docs:config` writes it; a
 * unit test fails when the checked-in file differs, so the reference cannot drift from the code.
 *
 * Read from the source text (TypeScript's parser), not from the zod objects: the comments are the
 * documentation, and they exist only in the source.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const root = fileURLToPath(new URL('../../', import.meta.url));
export const outputPath = `${root}docs/configuration.md`;

interface Section {
  title: string;
  file: string;
  /** The exported schema to document. */
  schema: string;
  intro?: string;
}

/** Shared groups first (services extend them), then each service in the order requests flow. */
export const sections: Section[] = [
  {
    title: 'Every service',
    file: 'packages/service/src/env.ts',
    schema: 'commonEnv',
  },
  {
    title: 'Kafka security and replication (every service and the CLI)',
    file: 'packages/kafka/src/env.ts',
    schema: 'kafkaSecurityEnv',
    intro: 'See docs/kafka.md for the secured local broker and cluster and the principal of each service.',
  },
  {
    title: "The hub's identity (gateway, projection, dispatcher and the CLI)",
    file: 'packages/service/src/env.ts',
    schema: 'hubEnv',
  },
  {
    title: 'Case-worker authentication (services that serve case workers)',
    file: 'packages/service/src/auth.ts',
    schema: 'authEnv',
  },
  {
    title: 'Webhooks (registry and dispatcher)',
    file: 'packages/service/src/webhook-signing.ts',
    schema: 'webhookEnv',
  },
  { title: 'Registry (`services/registry`)', file: 'services/registry/src/env.ts', schema: 'registryEnv' },
  { title: 'Gateway (`services/gateway`)', file: 'services/gateway/src/env.ts', schema: 'gatewayEnv' },
  {
    title: 'Projection (`services/projection`)',
    file: 'services/projection/src/env.ts',
    schema: 'projectionEnv',
  },
  {
    title: 'Dispatcher (`services/dispatcher`)',
    file: 'services/dispatcher/src/env.ts',
    schema: 'dispatcherEnv',
  },
  {
    title: 'ZGW connector (`services/connectors/zgw`)',
    file: 'services/connectors/zgw/src/env.ts',
    schema: 'connectorEnv',
  },
  { title: 'Operator CLI (`infra/cli`, `ketenhub`)', file: 'infra/cli/src/env.ts', schema: 'cliEnv' },
];

/** Every env module there is, so a new service cannot be left out of the reference. */
export function envModules(): string[] {
  const found: string[] = [];
  for (const base of ['services', 'services/connectors']) {
    for (const dir of readdirSync(`${root}${base}`, { withFileTypes: true })) {
      if (!dir.isDirectory()) continue;
      try {
        readFileSync(`${root}${base}/${dir.name}/src/env.ts`);
        found.push(`${base}/${dir.name}/src/env.ts`);
      } catch {
        // not a service with an env module (e.g. services/connectors itself)
      }
    }
  }
  return found.sort();
}

export interface Variable {
  name: string;
  default: string;
  meaning: string;
}

interface Documented {
  variables: Variable[];
  /** Shared groups the schema extends (`.extend(commonEnv.shape)` or `commonEnv.extend(...)`). */
  includes: string[];
}

const upper = /^[A-Z][A-Z0-9_]+$/;

function commentOf(node: ts.Node, text: string): string {
  const ranges = ts.getLeadingCommentRanges(text, node.getFullStart()) ?? [];
  return ranges
    .map((r) => text.slice(r.pos, r.end))
    .filter((c) => c.startsWith('/**'))
    .map((c) =>
      c
        .replace(/^\/\*\*|\*\/$/g, '')
        .split('\n')
        .map((l) => l.replace(/^\s*\* ?/, '').trim())
        .join(' ')
        .replace(/\{@link ([^}]+)\}/g, '`$1`')
        .replace(/\s+/g, ' ')
        .trim(),
    )
    .join(' ');
}

/** The argument of the outermost `.default(…)` in a property's schema chain, else required/optional. */
function defaultOf(initializer: ts.Expression, source: ts.SourceFile): string {
  let found: string | undefined;
  let optional = false;
  const visit = (e: ts.Node): void => {
    if (ts.isCallExpression(e)) {
      const callee = e.expression;
      if (ts.isPropertyAccessExpression(callee)) {
        const name = callee.name.text;
        if (name === 'default' && found === undefined) found = e.arguments[0]?.getText(source);
        if (name === 'optional') optional = true;
        visit(callee.expression);
        return;
      }
      if (ts.isIdentifier(callee) && callee.text === 'optional') optional = true;
      // A helper that builds the schema, e.g. `serviceUrl(8082)`: its call says the default.
      else if (ts.isIdentifier(callee)) found ??= e.getText(source);
    }
  };
  // `authEnv.shape.KETENHUB_DEV_TOKENS`: the shared group's variable, with its default.
  const shared = /^(\w+)\.shape\.(\w+)$/.exec(initializer.getText(source));
  if (shared) return `as in \`${shared[1]}\``;
  visit(initializer);
  if (found !== undefined) return found.replace(/\s+/g, ' ');
  return optional ? '(optional)' : '**required**';
}

function objectLiterals(
  expr: ts.Expression,
  source: ts.SourceFile,
  includes: string[],
): ts.ObjectLiteralExpression[] {
  const out: ts.ObjectLiteralExpression[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const isObject =
        ts.isPropertyAccessExpression(callee) &&
        (callee.name.text === 'object' || callee.name.text === 'strictObject') &&
        callee.expression.getText(source) === 'z';
      const isExtend = ts.isPropertyAccessExpression(callee) && callee.name.text === 'extend';
      const arg = node.arguments[0];
      if ((isObject || isExtend) && arg) {
        if (ts.isObjectLiteralExpression(arg)) out.push(arg);
        // `.extend(kafkaSecurityEnv.shape)`: a shared group, documented in its own section.
        if (ts.isPropertyAccessExpression(arg) && arg.name.text === 'shape')
          includes.push(arg.expression.getText(source));
      }
      if (isExtend && ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression)) {
        includes.push(callee.expression.text);
      }
      if (ts.isPropertyAccessExpression(callee)) visit(callee.expression);
      return;
    }
    if (ts.isPropertyAccessExpression(node)) visit(node.expression);
  };
  visit(expr);
  return out.reverse();
}

export function documentSchema(file: string, schema: string): Documented {
  const text = readFileSync(`${root}${file}`, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  let initializer: ts.Expression | undefined;
  source.forEachChild((statement) => {
    if (!ts.isVariableStatement(statement)) return;
    for (const d of statement.declarationList.declarations) {
      if (ts.isIdentifier(d.name) && d.name.text === schema && d.initializer) initializer = d.initializer;
    }
  });
  if (!initializer) throw new Error(`${file}: no exported schema ${schema}`);
  const includes: string[] = [];
  const variables: Variable[] = [];
  for (const literal of objectLiterals(initializer, source, includes)) {
    let previous: string | undefined;
    for (const p of literal.properties) {
      if (!ts.isPropertyAssignment(p) || !ts.isIdentifier(p.name) || !upper.test(p.name.text)) continue;
      // One comment above a group of alike variables (the CLI's service URLs) speaks for the group.
      const own = commentOf(p, text);
      variables.push({
        name: p.name.text,
        default: defaultOf(p.initializer, source),
        meaning: own || (previous ? `As \`${previous}\`.` : ''),
      });
      if (own) previous = p.name.text;
    }
  }
  return { variables, includes: [...new Set(includes)] };
}

const cell = (s: string) => s.replaceAll('|', '\\|');

export function render(): string {
  const bySchema = new Map(sections.map((s) => [s.schema, s]));
  const parts = [
    '# Configuration reference',
    '',
    '<!-- Generated by `npm run docs:config` from the env schemas (src/env.ts); do not edit by hand. -->',
    '',
    'Every service parses its environment once, with zod, when it starts, and refuses to start with a',
    'message naming every bad variable. Defaults suit `npm start` on one machine. A default is shown as',
    'written in the schema; **required** variables have none. A variable that was renamed is refused',
    'with its new name (`GATEWAY_HUB_OIN`, `PROJECTION_HUB_OIN` and `DISPATCHER_HUB_OIN` became',
    'one `KETENHUB_HUB_OIN` on 2026-12-04).',
    '',
  ];
  for (const section of sections) {
    const { variables, includes } = documentSchema(section.file, section.schema);
    parts.push(`## ${section.title}`, '');
    if (section.intro) parts.push(section.intro, '');
    const shared = includes.filter((i) => bySchema.has(i) && i !== section.schema);
    if (shared.length > 0) {
      parts.push(
        `Also reads: ${shared.map((i) => bySchema.get(i)?.title.replace(/ \(.*$/, '')).join('; ')} (above).`,
        '',
      );
    }
    parts.push(`Schema: \`${section.schema}\` in \`${section.file}\`.`, '');
    parts.push('| variable | default | meaning |', '| --- | --- | --- |');
    for (const v of variables) {
      parts.push(
        `| \`${v.name}\` | ${v.default.startsWith('**') || v.default.startsWith('(') || v.default.startsWith('as in') ? v.default : `\`${cell(v.default)}\``} | ${cell(v.meaning)} |`,
      );
    }
    parts.push('');
  }
  return `${parts.join('\n').trimEnd()}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(outputPath, render());
  console.log(`written ${outputPath}`);
}
