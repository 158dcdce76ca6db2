// Runs the test suites with node's test runner (TypeScript through tsx), one tier after
// another: unit, store, integration, browser. `node scripts/run-tests.mjs unit store`
// runs only those tiers.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const TIERS = ['unit', 'store', 'integration', 'browser'];
const wanted = process.argv.slice(2).length ? process.argv.slice(2) : TIERS;

const files = wanted.flatMap((tier) => {
  const dir = join(root, 'test', tier);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.test.ts')).sort().map((f) => join('test', tier, f));
});
if (files.length === 0) {
  console.error(`no test files in ${wanted.join(', ')}`);
  process.exit(1);
}

const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', ...files],
  { cwd: root, stdio: 'inherit', env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' } },
);
process.exit(result.status ?? 1);
