import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventTypes } from '@ketenhub/events';
import { describe, expect, it } from 'vitest';
import { generatedFiles, repoRoot } from './files';
import { getCatalogMarkdown, getDocument, getHtml, isDocumentName } from './index';

describe('integrator docs', () => {
  it('the catalog table lists every type with meaning, publishers and clock effect', () => {
    const md = getCatalogMarkdown();
    for (const type of eventTypes) expect(md).toContain(`| \`${type}\``);
    expect(md).toMatch(
      /\| type +\| meaning +\| published by +\| effect on legal clocks +\| personal data +\|/,
    );
  });
  it('the HTML pages cover every type and escape content', () => {
    const html = getHtml('wmo') + getHtml('omgevingswet');
    for (const type of eventTypes) expect(html).toContain(`id="msg-${type.replace(/\./g, '-')}"`);
    expect(getHtml()).toContain('href="wmo.html"');
    expect(html).not.toMatch(/<script/i);
  });
  it('serves documents by name', () => {
    expect(isDocumentName('wmo')).toBe(true);
    expect(isDocumentName('jeugdwet')).toBe(false);
    expect((getDocument('omgevingswet').info as { title: string }).title).toContain('Omgevingswet');
  });
});

describe('drift', () => {
  it('the committed generated files match the catalog (run `npm run generate -w @ketenhub/asyncapi`)', () => {
    const stale: string[] = [];
    for (const [path, content] of generatedFiles()) {
      let onDisk = '';
      try {
        onDisk = readFileSync(join(repoRoot, path), 'utf8');
      } catch {}
      if (onDisk !== content) stale.push(path);
    }
    expect(stale).toEqual([]);
  });
});

describe('gateway aliases', () => {
  it('asyncApiDocument and asyncApiHtml', async () => {
    const { asyncApiDocument, asyncApiHtml } = await import('./index');
    expect(asyncApiDocument('ketens')).toBe(getDocument('ketens'));
    expect(asyncApiDocument('jeugdwet')).toBeUndefined();
    expect(asyncApiHtml()).toBe(getHtml());
  });
});
