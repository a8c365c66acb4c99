#!/usr/bin/env node
/**
 * `npm run bench`: builds the app with the benchmark page (e2e/bench.html), serves it, runs it in
 * headless Debian Chromium on the wasm backend and on WebGPU (SwiftShader here; a real adapter
 * where there is one), and writes reports/bench.json + reports/bench.md.
 *
 *   npm run bench                               tiny demo pack, wasm + webgpu
 *   npm run bench -- --pack /path/to/pack       also any exported pack folder (served at /bench-pack/)
 *   npm run bench -- --backends wasm --skip-build --size 128 --frames 12 --steps 3
 *
 * Figures are measurements, not test assertions: nothing here fails on a slow machine.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { benchMarkdown } from './benchReport.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const packDir = opt('pack');
const backends = opt('backends', 'wasm,webgpu').split(',');
const shape = { size: opt('size', '128'), frames: opt('frames', '12'), context: opt('context', '4'), overlap: opt('overlap', '2'), steps: opt('steps', '3') };
// SwiftShader is ~10x slower than wasm on 2 cores: a smaller clip keeps the WebGPU run to minutes.
const softwareShape = { ...shape, size: opt('gpu-size', '64'), frames: opt('gpu-frames', '6'), steps: opt('gpu-steps', '2') };

// Its own build folder, so a bench never swaps the files under an e2e run serving dist/.
const outDir = join(root, 'reports/bench-dist');
if (!args.includes('--skip-build')) {
  const r = spawnSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--config', 'e2e/vite.e2e.config.ts', '--outDir', outDir, '--emptyOutDir'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const MIME = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.wasm': 'application/wasm', '.svg': 'image/svg+xml', '.png': 'image/png', '.webmanifest': 'application/manifest+json' };

/** The build with COOP/COEP (crossOriginIsolated, so wasm threads work), and the --pack folder at /bench-pack/. */
function serve() {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const [base, rel] = packDir && path.startsWith('/bench-pack/') ? [packDir, path.slice('/bench-pack/'.length)] : [outDir, path.slice(1) || 'index.html'];
    const file = normalize(join(base, rel));
    if (!file.startsWith(normalize(base)) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, {
      'Content-Type': MIME[extname(file)] ?? 'application/octet-stream',
      'Content-Length': statSync(file).size,
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
    });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function runOne(browser, origin, packUrl, backend, s) {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => m.text().startsWith('[bench]') && console.log(`  ${m.text()}`));
  const q = new URLSearchParams({ pack: packUrl, backend, ...s });
  await page.goto(`${origin}/e2e/bench.html?${q}`);
  await page.waitForFunction(() => window.__bench !== undefined, undefined, { timeout: 60 * 60_000, polling: 1000 });
  const out = await page.evaluate(() => window.__bench);
  await page.close();
  return out.ok ? { ok: true, ...out.result } : { ok: false, packUrl, backend, error: out.error, pageErrors: errors };
}

const server = await serve();
const origin = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--enable-unsafe-webgpu', '--disable-background-networking', '--no-first-run'],
});
const packs = ['/packs/tiny-musev/manifest.json', ...(packDir ? ['/bench-pack/manifest.json'] : [])];
const report = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, platform: process.platform },
  chromium: browser.version(),
  runs: [],
};
/** Written after every run, so a slow or failed backend never loses the figures of the others. */
function writeReport() {
  mkdirSync(join(root, 'reports'), { recursive: true });
  writeFileSync(join(root, 'reports/bench.json'), JSON.stringify(report, null, 2));
  writeFileSync(join(root, 'reports/bench.md'), benchMarkdown(report));
}
try {
  for (const packUrl of packs) {
    for (const backend of backends) {
      console.log(`bench: ${packUrl} on ${backend} …`);
      const s = backend === 'webgpu' ? softwareShape : shape;
      report.runs.push(await runOne(browser, origin, packUrl, backend, s).catch((e) => ({ ok: false, packUrl, backend, error: String(e) })));
      writeReport();
    }
  }
} finally {
  await browser.close();
  server.close();
}
console.log(benchMarkdown(report));
process.exit(report.runs.every((r) => r.ok) ? 0 : 1);
