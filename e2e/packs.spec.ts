/**
 * Pack manager in Debian Chromium against the built app, with e2e/fixtures/packServer.ts standing in
 * for the model host (another origin, Range + CORS): download into OPFS with progress and sha256
 * checks, then generate from it; a download cut mid-file resumes with a Range request from the bytes
 * written (after a tab reload); a flipped byte marks the pack corrupt naming the file; import from
 * a picked folder works with the network off.
 */
import { expect, test, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dropImage, openApp, settings } from './fixtures/app';
import { PackServer } from './fixtures/packServer';

const PACKS = fileURLToPath(new URL('../public/packs/', import.meta.url));
const MANIFEST = JSON.parse(readFileSync(`${PACKS}tiny-musev/manifest.json`, 'utf8'));
const PORT = 4180;
const MANIFEST_URL = `http://127.0.0.1:${PORT}/tiny-musev/manifest.json`;

let server: PackServer;
test.beforeEach(() => {
  server = new PackServer(PACKS, PORT);
});
test.afterEach(async () => {
  await server.stop();
});

const row = (page: Page, key: string) => page.locator(`[data-testid="pack-row"][data-key="${key}"]`);

async function addPackUrl(page: Page, url: string) {
  await page.getByTestId('pack-url').fill(url);
  await page.getByTestId('pack-url-submit').click();
  await expect(row(page, url)).toBeVisible();
}

/** Every file under OPFS packs/<id>/ with its size. */
function opfsFiles(page: Page, id: string): Promise<Record<string, number>> {
  return page.evaluate(async (packId) => {
    const out: Record<string, number> = {};
    type Dir = FileSystemDirectoryHandle & { entries(): AsyncIterable<[string, FileSystemHandle]> };
    const walk = async (dir: Dir, prefix: string) => {
      for await (const [name, h] of dir.entries()) {
        if (h.kind === 'directory') await walk(h as Dir, `${prefix}${name}/`);
        else out[`${prefix}${name}`] = (await (h as FileSystemFileHandle).getFile()).size;
      }
    };
    const root = await navigator.storage.getDirectory();
    await walk((await (await root.getDirectoryHandle('packs')).getDirectoryHandle(packId)) as Dir, '');
    return out;
  }, id);
}

/** The manifest's files and sizes (what OPFS must hold once the pack is ready). */
function manifestFiles(): Record<string, number> {
  const out: Record<string, number> = { 'manifest.json': readFileSync(`${PACKS}tiny-musev/manifest.json`).byteLength };
  for (const g of Object.values(MANIFEST.graphs) as { file: string; bytes: number; externalData: { file: string; bytes: number }[] }[])
    for (const f of [g, ...g.externalData]) out[f.file] = f.bytes;
  out[MANIFEST.tokenizer.vocab.file] = MANIFEST.tokenizer.vocab.bytes;
  out[MANIFEST.tokenizer.merges.file] = MANIFEST.tokenizer.merges.bytes;
  return out;
}

/** Records every text the download progress line shows. */
async function recordProgress(page: Page) {
  await page.evaluate(() => {
    const w = window as unknown as { __packProgress: string[] };
    w.__packProgress = [];
    new MutationObserver(() => {
      for (const el of document.querySelectorAll('[data-testid="pack-progress"]')) w.__packProgress.push(el.textContent ?? '');
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  return () => page.evaluate(() => (window as unknown as { __packProgress: string[] }).__packProgress);
}

test('download the tiny pack from the model host into OPFS with progress, verified; then generate from OPFS only', async ({ page }) => {
  server.options = { throttle: { file: 'tiny-musev/unet.onnx.data', bytesPerSec: 20e6 } };
  await server.start();
  const hubRequests: string[] = [];
  page.on('request', (req) => req.url().includes('huggingface.co') && hubRequests.push(req.url()));
  await openApp(page);
  await addPackUrl(page, MANIFEST_URL);
  const r = row(page, MANIFEST_URL);
  await expect(r.getByTestId('pack-facts')).toContainText('29.7 MB'); // file bytes, manifest.json not counted
  await expect(r.getByTestId('pack-facts')).toContainText('no special GPU features');
  const family = row(page, 'https://huggingface.co/musev-web/musev-web-packs-PLACEHOLDER/resolve/main/musev-fp16/manifest.json');
  await expect(family.getByTestId('pack-facts')).toContainText('shader-f16');
  // the model host is contacted only when asked
  expect(hubRequests).toEqual([]);
  await expect(family.getByTestId('pack-inspect')).toBeVisible();
  await expect(r).toHaveAttribute('data-status', 'not-downloaded');

  const progress = await recordProgress(page);
  const t0 = Date.now();
  await r.getByTestId('pack-download').click();
  await expect(r).toHaveAttribute('data-status', 'ready', { timeout: 120_000 });
  const seconds = (Date.now() - t0) / 1000;
  const texts = await progress();
  const withSpeed = texts.filter((t) => /\d+% · .* MB\/s/.test(t));
  console.log(`download + verify of 29.7 MB in ${seconds.toFixed(2)} s; ${texts.length} progress updates, last: ${withSpeed.at(-1)}`);
  expect(withSpeed.length).toBeGreaterThan(0);
  expect(texts.some((t) => t.startsWith('verifying'))).toBe(true);
  expect(await opfsFiles(page, 'tiny-musev')).toMatchObject(manifestFiles());
  await expect(page.getByTestId('storage-estimate')).toContainText('used of');

  await r.getByTestId('pack-use').click();
  await expect(page.getByTestId('pack-select')).toHaveValue('opfs:tiny-musev');
  const before = server.requests.length;
  await dropImage(page);
  await settings(page, { frames: 2, 'context-frames': 4, 'context-overlap': 2, steps: 2 });
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('job-status')).toHaveText('done', { timeout: 5 * 60_000 });
  await expect(page.getByTestId('live-frame')).toHaveCount(3);
  expect(server.requests.length).toBe(before); // the pack came from OPFS, not the host

  await page.reload();
  await page.waitForFunction(() => (window as { __musevTest?: unknown }).__musevTest !== undefined);
  await expect(page.getByTestId('pack-select')).toHaveValue('opfs:tiny-musev'); // the choice persists
});

test('a download cut mid-file resumes after a reload with a Range request from the bytes written, and verifies', async ({ page }) => {
  const CUT = 6_000_000;
  server.options = { throttle: { file: 'tiny-musev/unet.onnx.data', bytesPerSec: 8e6 }, cutAfter: { file: 'tiny-musev/unet.onnx.data', bytes: CUT } };
  await server.start();
  await openApp(page);
  await addPackUrl(page, MANIFEST_URL);
  const r = row(page, MANIFEST_URL);
  await r.getByTestId('pack-download').click();
  await expect(r.getByTestId('pack-progress')).toContainText('unet.onnx.data');
  await server.cut; // the host went away after CUT bytes of unet.onnx.data
  await expect(r).toHaveAttribute('data-status', 'partial');
  await expect(r.getByTestId('pack-error')).toHaveAttribute('data-code', 'download-failed');
  await expect(r.getByTestId('pack-error')).toContainText('unet.onnx.data');

  await page.reload(); // the partial state lives in OPFS
  await page.waitForFunction(() => (window as { __musevTest?: unknown }).__musevTest !== undefined);
  await expect(r).toHaveAttribute('data-status', 'partial');
  const written = (await opfsFiles(page, 'tiny-musev'))['unet.onnx.data'];
  expect(written).toBeGreaterThan(0);
  expect(written).toBeLessThanOrEqual(CUT);

  server.options = {};
  await server.start();
  const t0 = Date.now();
  await r.getByTestId('pack-download').click(); // "Resume"
  await expect(r).toHaveAttribute('data-status', 'ready', { timeout: 120_000 });
  const seconds = (Date.now() - t0) / 1000;
  const unetData = server.requests.filter((q) => q.path === 'tiny-musev/unet.onnx.data');
  console.log(`cut at ${CUT} bytes, ${written} written; resumed with ${unetData.at(-1)?.range}; rest + verify in ${seconds.toFixed(2)} s`);
  expect(unetData.map((q) => q.range)).toEqual([null, `bytes=${written}-`]);
  // files verified before the cut are not fetched again
  expect(server.requests.filter((q) => q.path === 'tiny-musev/text_encoder.onnx.data')).toHaveLength(1);
  expect(await opfsFiles(page, 'tiny-musev')).toMatchObject(manifestFiles());
});

test('a file served with one flipped byte: the pack is corrupt and the message names the file; Re-download repairs it', async ({ page }) => {
  server.options = { flip: { file: 'tiny-musev/vae_decoder.onnx.data', at: 1000 } };
  await server.start();
  await openApp(page);
  await addPackUrl(page, MANIFEST_URL);
  const r = row(page, MANIFEST_URL);
  await r.getByTestId('pack-download').click();
  await expect(r).toHaveAttribute('data-status', 'corrupt', { timeout: 120_000 });
  await expect(r.getByTestId('pack-error')).toHaveAttribute('data-code', 'pack-corrupt');
  await expect(r.getByTestId('pack-error')).toContainText('"vae_decoder.onnx.data" fails its integrity check');
  await expect(r.getByTestId('pack-corrupt')).toContainText('vae_decoder.onnx.data');
  await expect(r.getByTestId('pack-use')).toHaveCount(0);

  server.options = {};
  await expect(r.getByTestId('pack-download')).toHaveText('Re-download');
  await r.getByTestId('pack-download').click();
  await expect(r).toHaveAttribute('data-status', 'ready', { timeout: 120_000 });
  expect(server.requests.filter((q) => q.path === 'tiny-musev/vae_decoder.onnx.data')).toHaveLength(2);
});

test('import a picked pack folder with the network off: verified and ready from OPFS', async ({ page, context }) => {
  const requests: string[] = [];
  context.on('request', (q) => requests.push(q.url()));
  await openApp(page);
  await expect(page.getByTestId('storage-estimate')).toContainText('used of'); // the packs worker is up
  await context.setOffline(true);
  const before = requests.length;
  await page.getByTestId('pack-import-folder').setInputFiles(`${PACKS}tiny-musev`);
  const r = row(page, 'opfs:tiny-musev');
  await expect(r).toHaveAttribute('data-status', 'ready', { timeout: 120_000 });
  expect(requests.slice(before).filter((u) => /tiny-musev|\.onnx|tokenizer/.test(u))).toEqual([]); // no pack bytes over the network
  expect(await opfsFiles(page, 'tiny-musev')).toMatchObject(manifestFiles());
  await r.getByTestId('pack-use').click();
  await expect(page.getByTestId('pack-select')).toHaveValue('opfs:tiny-musev');
  await expect(page.getByTestId('pack-family')).toHaveText('musev');

  // the same pack picked as loose files (no folder paths: tokenizer files are matched by name)
  await r.getByTestId('pack-delete').click();
  await expect(r).toHaveCount(0);
  await expect(page.getByTestId('pack-select')).toHaveValue('packs/tiny-musev/manifest.json');
  const again = requests.length;
  await page.getByTestId('pack-import-files').setInputFiles(Object.keys(manifestFiles()).map((f) => `${PACKS}tiny-musev/${f}`));
  await expect(r).toHaveAttribute('data-status', 'ready', { timeout: 120_000 });
  expect(requests.slice(again).filter((u) => /tiny-musev|\.onnx|tokenizer/.test(u))).toEqual([]);
});

test('a file gone from OPFS is named when the pack loads; Re-download repairs it and generation works', async ({ page }) => {
  await server.start();
  await openApp(page);
  await addPackUrl(page, MANIFEST_URL);
  const r = row(page, MANIFEST_URL);
  await r.getByTestId('pack-download').click();
  await expect(r).toHaveAttribute('data-status', 'ready', { timeout: 120_000 });
  await r.getByTestId('pack-use').click();
  await page.evaluate(async () => {
    const root = await navigator.storage.getDirectory();
    await (await (await root.getDirectoryHandle('packs')).getDirectoryHandle('tiny-musev')).removeEntry('vae_decoder.onnx.data');
  });

  await dropImage(page);
  await settings(page, { frames: 2, 'context-frames': 4, 'context-overlap': 2, steps: 2 });
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('error')).toHaveAttribute('data-code', 'pack-missing');
  await expect(page.getByTestId('error')).toContainText('"vae_decoder.onnx.data"');
  await expect(r).toHaveAttribute('data-status', 'corrupt');
  await expect(r.getByTestId('pack-corrupt')).toContainText('vae_decoder.onnx.data');

  await r.getByTestId('pack-download').click(); // "Re-download": one click
  await expect(r).toHaveAttribute('data-status', 'ready', { timeout: 120_000 });
  expect(server.requests.filter((q) => q.path === 'tiny-musev/vae_decoder.onnx.data')).toHaveLength(2);
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('job-status')).toHaveText('done', { timeout: 5 * 60_000 });
});
