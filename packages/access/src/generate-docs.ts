import { writeFileSync } from 'node:fs';
import { accessMarkdown } from './describe';

/** Writes docs/access-catalog.md; a unit test fails when the file and the rule drift apart. */
export const accessCatalogPath = new URL('../../../docs/access-catalog.md', import.meta.url);

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(accessCatalogPath, accessMarkdown());
  console.log(`wrote ${accessCatalogPath.pathname}`);
}
