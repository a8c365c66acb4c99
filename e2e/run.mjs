#!/usr/bin/env node
/**
 * End-to-end tests: build the app (with the e2e harness page), then run Playwright against it.
 *
 *   node e2e/run.mjs                 build + every e2e test
 *   node e2e/run.mjs encoder         extra arguments go to `playwright test` (here: a file filter)
 *   E2E_SKIP_BUILD=1 node e2e/run.mjs  reuse the current dist/ (quick reruns)
 *
 * Prints "e2e: N passed, N failed" (from reports/e2e.json) and exits non-zero on any failure,
 * including a failed build or a run that wrote no report.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const report = `${root}reports/e2e.json`;
const node = process.execPath;

function step(label, args) {
  console.log(`\n=== ${label}: node ${args.join(' ')}`);
  const r = spawnSync(node, args, { cwd: root, stdio: 'inherit', env: process.env });
  if (r.error) console.error(r.error);
  return r.status ?? 1;
}

function finish(passed, failed, code, note = '') {
  console.log(`e2e: ${passed} passed, ${failed} failed${note}`);
  process.exit(code !== 0 || failed > 0 ? Math.max(code, 1) : 0);
}

mkdirSync(`${root}reports`, { recursive: true });
rmSync(report, { force: true });

if (!process.env.E2E_SKIP_BUILD) {
  const built = step('build', ['node_modules/vite/bin/vite.js', 'build', '--config', 'e2e/vite.e2e.config.ts']);
  if (built !== 0) finish(0, 1, built, ' (vite build failed)');
}

const code = step('playwright', [
  'node_modules/@playwright/test/cli.js',
  'test',
  '-c',
  'e2e/playwright.config.ts',
  ...process.argv.slice(2),
]);

if (!existsSync(report)) finish(0, 1, code || 1, ' (no report written)');
const { stats } = JSON.parse(readFileSync(report, 'utf8'));
const passed = stats.expected + (stats.flaky ?? 0);
const failed = stats.unexpected;
finish(passed, failed, code, stats.skipped ? `, ${stats.skipped} skipped` : '');
