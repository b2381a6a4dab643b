import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { accessMarkdown } from './describe';
import { accessCatalogPath } from './generate-docs';

describe('docs/access-catalog.md', () => {
  it('is what the catalog and the rule say now (npm run generate -w @ketenhub/access)', () => {
    expect(readFileSync(accessCatalogPath, 'utf8')).toBe(accessMarkdown());
  });
});
