/**
 * Writes the generated contract files (JSON Schemas, AsyncAPI documents, HTML docs, catalog table).
 *   tsx scripts/generate.ts           write everything
 *   tsx scripts/generate.ts --check   exit 1 when regenerating would change anything (CI drift check)
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generatedDirs, generatedFiles, repoRoot } from '../src/files';

const check = process.argv.includes('--check');
const files = generatedFiles();

function existing(dir: string): string[] {
  try {
    return readdirSync(join(repoRoot, dir)).map((f) => `${dir}/${f}`);
  } catch {
    return [];
  }
}

const stale = generatedDirs.flatMap(existing).filter((path) => !files.has(path));
const changed = [...files].filter(([path, content]) => {
  try {
    return readFileSync(join(repoRoot, path), 'utf8') !== content;
  } catch {
    return true;
  }
});

if (check) {
  if (changed.length === 0 && stale.length === 0) {
    console.log(`contract drift check: ${files.size} generated files up to date`);
    process.exit(0);
  }
  for (const [path] of changed) console.error(`out of date: ${path}`);
  for (const path of stale) console.error(`stale (no longer generated): ${path}`);
  console.error('Run `npm run generate -w @ketenhub/asyncapi` and commit the result.');
  process.exit(1);
}

for (const [path, content] of changed) {
  mkdirSync(dirname(join(repoRoot, path)), { recursive: true });
  writeFileSync(join(repoRoot, path), content);
}
for (const path of stale) rmSync(join(repoRoot, path));
console.log(`generated ${files.size} files (${changed.length} changed, ${stale.length} removed)`);
