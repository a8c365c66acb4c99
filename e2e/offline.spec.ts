/**
 * The installed PWA offline, in Debian Chromium against the built app: after one visit the service
 * worker controls the page with the app shell, the onnxruntime wasm and the ffmpeg core precached
 * (model packs never); the tiny pack goes into OPFS by import; then with the network off a reload
 * starts the app from the service worker, cross-origin isolated, and a generation completes.
 * A new deployment (a changed sw.js) waits until the user clicks Reload on the update toast.
 */
import { expect, test } from '@playwright/test';
import { fileURLToPath } from 'node:url';
import { dropImage, inspectVideo, openApp, settings } from './fixtures/app';
import { AppServer } from './fixtures/appServer';
import { head, precached } from './fixtures/pwa';

const PACKS = fileURLToPath(new URL('../public/packs/', import.meta.url));
const mb = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;

test('after one visit the app starts offline from the service worker and generates from a pack in OPFS', async ({ page, context }) => {
  await openApp(page);
  const cache = await precached(page);
  const paths = cache.entries.map((e) => new URL(e.url).pathname);
  const ortWasm = paths.find((p) => /\/assets\/ort-wasm-simd-threaded\..*\.wasm$/.test(p));
  const ffmpegWasm = paths.find((p) => /\/assets\/ffmpeg-core-.*\.wasm$/.test(p));
  console.log(`precache: ${cache.entries.length} entries, ${mb(cache.totalBytes)}; ${ortWasm}, ${ffmpegWasm}`);
  expect(ortWasm).toBeDefined();
  expect(ffmpegWasm).toBeDefined();
  expect(paths).toContain('/index.html');
  expect(paths).toContain('/manifest.webmanifest');
  expect(paths.filter((p) => p.startsWith('/packs/') || /\.onnx\.data$/.test(p))).toEqual([]); // model packs never
  expect(await page.evaluate(() => fetch('/manifest.webmanifest').then((r) => r.json()))).toMatchObject({
    name: 'MuseV Web',
    icons: expect.arrayContaining([expect.objectContaining({ sizes: '512x512', purpose: 'maskable' })]),
  });

  // The pack into OPFS (import reads local files: no network).
  await page.getByTestId('pack-import-folder').setInputFiles(`${PACKS}tiny-musev`);
  const row = page.locator('[data-testid="pack-row"][data-key="opfs:tiny-musev"]');
  await expect(row).toHaveAttribute('data-status', 'ready', { timeout: 120_000 });
  await row.getByTestId('pack-use').click();
  await expect(page.getByTestId('pack-select')).toHaveValue('opfs:tiny-musev');

  await context.setOffline(true);
  const failed: string[] = [];
  page.on('requestfailed', (q) => failed.push(q.url()));
  await page.reload();
  await page.waitForFunction(() => (window as { __musevTest?: unknown }).__musevTest !== undefined);
  expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
  expect(await page.evaluate(() => navigator.onLine)).toBe(false);
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true); // COOP/COEP kept by the cached responses

  // wasm comes back as wasm (00 61 73 6d), never the HTML fallback (3c 21 44 4f); pack URLs are not served at all.
  for (const p of [ortWasm!, ffmpegWasm!]) expect(await head(page, p)).toMatchObject({ status: 200, magic: '00 61 73 6d' });
  expect(await head(page, '/packs/tiny-musev/manifest.json')).toHaveProperty('error');

  await page.getByTestId('backend-select').selectOption('wasm');
  await expect(page.getByTestId('pack-select')).toHaveValue('opfs:tiny-musev');
  await dropImage(page);
  await settings(page, { frames: 3, 'context-frames': 4, 'context-overlap': 2, steps: 2, fps: 6 });
  await page.getByTestId('video-encoder').selectOption('ffmpeg'); // the ffmpeg core, from the precache
  const t0 = Date.now();
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('job-status')).toHaveText('done', { timeout: 5 * 60_000 });
  const src = await page.getByTestId('result-video').getAttribute('src');
  const info = await inspectVideo(page, src!);
  console.log(`offline generation: ${((Date.now() - t0) / 1000).toFixed(1)} s, ${info.frameCount} frames; requests that failed offline: ${failed.join(', ')}`);
  expect(info.frameCount).toBe(4);
  await expect(page.getByTestId('result-encoder')).toContainText('ffmpeg.wasm');
  expect(failed.filter((u) => /\/assets\/|\/graphs\//.test(u))).toEqual([]); // nothing of the app itself missed the cache
});

test('a newly deployed version waits for the user: "A new version is ready", and Reload switches to it', async ({ page }) => {
  const server = new AppServer(4181);
  await server.start();
  try {
    await page.goto(`${server.origin}/`);
    await precached(page);
    await page.reload(); // now controlled by the first service worker
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    await expect(page.getByTestId('update-toast')).toHaveCount(0);

    server.swSuffix = '\n// the next version\n'; // "deploy": the service worker script changed
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())!.update());
    await expect(page.getByTestId('update-toast')).toContainText('A new version is ready');
    expect(await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())!.waiting !== null)).toBe(true); // it waits for the user

    const reloaded = page.waitForEvent('load');
    await page.getByTestId('update-reload').click();
    await reloaded;
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    // The waiting worker took over (none waits any more) and controls the reloaded page.
    expect(await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())!.waiting)).toBeNull();
    await expect(page.getByTestId('update-toast')).toHaveCount(0);
  } finally {
    await server.stop();
  }
});
