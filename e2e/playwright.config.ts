/**
 * Playwright: the built app (`dist/`, see e2e/run.mjs) served by `vite preview`, driven in
 * Debian's Chromium (no Playwright browser download: there is no internet on CI).
 *
 * Reports: the list reporter on the console, JSON in reports/e2e.json (scripts/test-all.mjs and
 * e2e/run.mjs read its `stats` to print "N passed, N failed").
 * Env: CHROMIUM_PATH overrides /usr/bin/chromium; CI=true never reuses a running server.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from '@playwright/test';

const root = fileURLToPath(new URL('..', import.meta.url));
const port = 4173;
const baseURL = `http://127.0.0.1:${port}`;

export default defineConfig({
  testDir: `${root}e2e`,
  testMatch: '**/*.spec.ts',
  outputDir: `${root}test-results/e2e`,
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  // The demo generation runs on wasm (and WebGPU on SwiftShader): minutes, not seconds.
  timeout: 15 * 60_000,
  expect: { timeout: 60_000 },
  reporter: [['list'], ['json', { outputFile: `${root}reports/e2e.json` }]],
  use: {
    baseURL,
    browserName: 'chromium',
    headless: true,
    actionTimeout: 60_000,
    navigationTimeout: 120_000,
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--enable-unsafe-webgpu',
      ],
    },
  },
  webServer: {
    // Serves the already-built dist/ (e2e/run.mjs builds first). `node .../vite.js`, not `npx
    // vite`, so the PID Playwright kills is vite's own.
    command: `node node_modules/vite/bin/vite.js preview --host 127.0.0.1 --port ${port} --strictPort`,
    cwd: root,
    url: `${baseURL}/`,
    reuseExistingServer: !process.env.CI,
    timeout: 120_000,
    stdout: 'pipe',
    stderr: 'pipe',
  },
});
