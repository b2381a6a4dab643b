/**
 * Compatibility check against the released contract in asyncapi/snapshot/.
 *   tsx scripts/compat.ts             exit 1 on a breaking change
 *   tsx scripts/compat.ts --release   write the current schemas as the new snapshot (a deliberate release)
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareContract, nextVersion } from '../src/compat';
import { repoRoot } from '../src/files';
import { allSchemas, type JsonSchema } from '../src/schemas';

const dir = join(repoRoot, 'asyncapi/snapshot');
const current = allSchemas();

if (process.argv.includes('--release')) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const [file, schema] of Object.entries(current)) {
    writeFileSync(join(dir, file), `${JSON.stringify(schema, null, 2)}\n`);
  }
  console.log(`snapshot written: ${Object.keys(current).length} schemas in asyncapi/snapshot/`);
  process.exit(0);
}

const snapshot: Record<string, JsonSchema> = {};
for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
  snapshot[file] = JSON.parse(readFileSync(join(dir, file), 'utf8')) as JsonSchema;
}
const report = compareContract(snapshot, current);
for (const file of report.added) console.log(`added: ${file}`);
if (report.breaking.length === 0) {
  console.log(
    `contract compatibility check: ${Object.keys(snapshot).length} released schemas, no breaking change`,
  );
  process.exit(0);
}
for (const b of report.breaking) console.error(`BREAKING ${b.schema} ${b.rule}: ${b.message}`);
const types = [...new Set(report.breaking.map((b) => b.schema.replace(/\.json$/, '')))];
console.error(
  `\nKeep ${types.join(', ')} unchanged and publish the change as a new type (${types.map(nextVersion).join(', ')}),` +
    ' or, for a deliberate release, update the snapshot with `npm run contract:release -w @ketenhub/asyncapi`.',
);
process.exit(1);
