import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromFile, Parser } from '@asyncapi/parser';
import { describe, expect, it } from 'vitest';
import { documentNames } from './document';
import { documentPath, repoRoot } from './files';
import { getDocument } from './index';

const parser = new Parser();

function errorsOf(
  diagnostics: { severity: number; code: string | number; message: string; path: (string | number)[] }[],
) {
  // Severity 0 = error, 1 = warning: the contract documents must have neither.
  return diagnostics
    .filter((d) => d.severity <= 1)
    .map((d) => `${d.code} ${d.message} at ${d.path.join('/')}`);
}

describe.each(documentNames)('AsyncAPI document %s', (name) => {
  it('parses from its file (with $refs to the schema files) without errors or warnings', async () => {
    const { document, diagnostics } = await fromFile(parser, join(repoRoot, documentPath(name))).parse();
    expect(errorsOf(diagnostics)).toEqual([]);
    expect(document?.version()).toBe('3.0.0');
    expect(document?.messages().length).toBeGreaterThan(5);
    for (const message of document?.messages().all() ?? []) {
      expect(message.hasPayload(), message.id()).toBe(true);
      expect(message.payload()?.properties()?.data, message.id()).toBeDefined();
      expect(message.examples().length, message.id()).toBeGreaterThan(0);
      expect(message.description()?.length ?? 0, message.id()).toBeGreaterThan(40);
    }
  });

  it('references schema files locally only', () => {
    const text = readFileSync(join(repoRoot, documentPath(name)), 'utf8');
    const refs = [...text.matchAll(/\$ref: "?([^"\n]+)"?/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(ref.startsWith('#/') || ref.startsWith('../schemas/'), ref).toBe(true);
  });
});

// The gateway serves the bundled form; parsing one (the largest) is enough to show bundling keeps it
// valid: the three documents share the generator. Parsing costs about a second per document.
describe('AsyncAPI document as served', () => {
  it('parses bundled (schemas inlined, no file $refs) without errors or warnings', async () => {
    const served = JSON.stringify(getDocument('omgevingswet'));
    expect(served).not.toContain('../schemas/');
    const { diagnostics } = await parser.parse(served);
    expect(errorsOf(diagnostics)).toEqual([]);
  });
});
