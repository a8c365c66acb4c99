#!/usr/bin/env node
/**
 * Everything CI runs: typecheck, unit tests (vitest), exporter tests (pytest), end-to-end tests
 * (Playwright in Debian Chromium). Prints "N passed, N failed" on a line of its own and exits
 * non-zero when anything failed. Each suite writes a machine-readable report under reports/.
 *
 * Usage: node scripts/test-all.mjs [--skip-e2e] [--skip-py]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';

const args = new Set(process.argv.slice(2));
rmSync('reports', { recursive: true, force: true });
mkdirSync('reports', { recursive: true });

const results = [];
function run(name, cmd, cmdArgs, count) {
  console.log(`\n=== ${name}: ${cmd} ${cmdArgs.join(' ')}`);
  const t0 = Date.now();
  const r = spawnSync(cmd, cmdArgs, { stdio: 'inherit', env: process.env });
  let counts;
  try {
    counts = count();
  } catch (e) {
    counts = undefined;
  }
  // A suite that crashed before reporting counts as one failure, so it can never pass silently.
  if (!counts) counts = { passed: 0, failed: 1 };
  if (r.status !== 0 && counts.failed === 0) counts.failed = 1;
  results.push({ name, status: r.status, seconds: Math.round((Date.now() - t0) / 1000), ...counts });
}

function vitestCounts() {
  const j = JSON.parse(readFileSync('reports/vitest.json', 'utf8'));
  return { passed: j.numPassedTests, failed: j.numFailedTests + (j.numFailedTestSuites ?? 0), skipped: j.numPendingTests ?? 0 };
}
function junitCounts(path) {
  const xml = readFileSync(path, 'utf8');
  const m = xml.match(/<testsuite\b[^>]*>/);
  if (!m) throw new Error('no testsuite');
  const attr = (k) => Number((m[0].match(new RegExp(`\\b${k}="(\\d+)"`)) ?? [0, 0])[1]);
  const tests = attr('tests'), failures = attr('failures'), errors = attr('errors'), skipped = attr('skipped');
  return { passed: tests - failures - errors - skipped, failed: failures + errors, skipped };
}
function playwrightCounts() {
  const j = JSON.parse(readFileSync('reports/e2e.json', 'utf8'));
  const s = j.stats;
  return { passed: s.expected + (s.flaky ?? 0), failed: s.unexpected, skipped: s.skipped ?? 0 };
}

run('typecheck', 'npm', ['run', '--silent', 'typecheck'], () => ({ passed: 1, failed: 0 }));
results.at(-1).passed = results.at(-1).status === 0 ? 1 : 0;
run('unit (vitest)', 'npx', ['vitest', 'run', '--reporter=default', '--reporter=json', '--outputFile.json=reports/vitest.json'], vitestCounts);
if (!args.has('--skip-py')) run('exporter (pytest)', 'bash', ['models/run-pytest.sh'], () => junitCounts('reports/pytest.xml'));
if (!args.has('--skip-e2e')) run('e2e (playwright)', 'node', ['e2e/run.mjs'], playwrightCounts);

console.log('\n=== summary');
for (const r of results) console.log(`${r.name}: ${r.passed} passed, ${r.failed} failed${r.skipped ? `, ${r.skipped} skipped` : ''} (exit ${r.status}, ${r.seconds}s)`);
const passed = results.reduce((a, r) => a + r.passed, 0);
const failed = results.reduce((a, r) => a + r.failed, 0);
const skipped = results.reduce((a, r) => a + (r.skipped ?? 0), 0);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || results.some((r) => r.status !== 0) ? 1 : 0);
