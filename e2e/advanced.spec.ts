/**
 * MuseV's advanced options in the built app (Debian Chromium, wasm backend, bundled demo packs):
 * the "MuseV text2video CLI defaults" preset, n_batch shots chained end to end, and the controls
 * that follow the chosen pack (family, features, first-frame modes, negative prompt presets).
 */
import { expect, test } from '@playwright/test';
import { inspectVideo, openApp, setNumber } from './fixtures/app';
import { portraitPng } from './fixtures/png';

const MUSEV_PACK = 'packs/tiny-musev/manifest.json';
const REFNET_PACK = 'packs/tiny-musev-referencenet/manifest.json';

test('MuseV CLI preset, 4 frames × 2 shots on wasm: the MP4 holds n_batch·time_size + 1 = 9 frames', async ({ page }) => {
  await openApp(page);
  await page.getByTestId('pack-select').selectOption(MUSEV_PACK);
  await expect(page.getByTestId('pack-family')).toHaveText('musev');
  await page.getByTestId('image-input').setInputFiles({ name: 'portrait.png', mimeType: 'image/png', buffer: portraitPng(64, 64) });
  await expect(page.getByTestId('image-preview')).toBeVisible();
  await page.getByTestId('prompt').fill('(masterpiece, best quality:1), a girl smiling, (eye blinks:1.8)');

  await page.getByTestId('preset').selectOption({ label: 'MuseV text2video CLI defaults' });
  await expect(page.getByTestId('negative-preset')).toHaveValue('V2');
  await expect(page.getByTestId('context-schedule')).toHaveValue('uniform_v2');
  await expect(page.getByTestId('noise-type')).toHaveValue('video_fusion');
  await expect(page.getByTestId('image-based-noise')).toBeChecked();
  await expect(page.getByTestId('fps')).toHaveValue('12');
  await expect(page.getByTestId('context-frames')).toHaveValue('12');
  await expect(page.getByTestId('guidance')).toHaveValue('3.5');

  // Stay fast: 4 frames per shot, 2 steps, 2 shots.
  await setNumber(page, 'frames', 4);
  await setNumber(page, 'steps', 2);
  await setNumber(page, 'n-batch', 2);
  await expect(page.getByTestId('preset')).toHaveValue(''); // no longer a preset's numbers

  const shotTexts: string[] = [];
  const t0 = Date.now();
  await page.getByTestId('generate').click();
  // Sample the progress line while it runs; with 2 shots it names them.
  const stage = page.getByTestId('stage');
  while (!['done', 'error', 'cancelled'].includes((await page.getByTestId('job-status').textContent()) ?? '')) {
    const text = (await stage.textContent()) ?? '';
    if (/shot \d\/2/.test(text)) shotTexts.push(text);
    await page.waitForTimeout(50);
    if (Date.now() - t0 > 10 * 60_000) break;
  }
  await expect(page.getByTestId('job-status')).toHaveText('done');
  console.log(`2 shots × 4 frames 64x64 on wasm in ${((Date.now() - t0) / 1000).toFixed(1)} s; progress seen: ${shotTexts.slice(0, 3).join(' | ') || '(too fast to sample)'}`);

  const src = await page.getByTestId('result-video').getAttribute('src');
  const info = await inspectVideo(page, src!);
  expect(info.frameCount).toBe(1 + 2 * 4);
  expect(info.fps).toBeCloseTo(12, 5);
  expect(info.width).toBe(64);
  await expect(page.getByTestId('live-frame')).toHaveCount(9);
});

test('controls follow the pack: family, features, first-frame modes; negative preset ↔ text', async ({ page }) => {
  await openApp(page);
  const packSelect = page.getByTestId('pack-select');
  await expect(packSelect).toHaveValue(MUSEV_PACK);
  await expect(page.getByTestId('pack-family')).toHaveText('musev');
  await expect(page.getByTestId('pack-features')).toHaveText('supports first-frame generation / redraw');
  await expect(page.getByTestId('refer-image-input')).toHaveCount(0);
  await expect(page.getByTestId('ip-scale')).toBeDisabled();

  // The musev demo pack has unet_spatial: generating or redrawing the first frame is offered.
  // (A pack without it lists those modes disabled with the reason: src/store/packFeatures.test.ts.)
  await expect(page.getByTestId('first-frame-mode').locator('option[value="generate"]')).toBeEnabled();
  await expect(page.getByTestId('first-frame-mode').locator('option[value="redraw"]')).toBeEnabled();

  // Negative prompt: a preset fills the text, editing makes it Custom.
  const negative = page.getByTestId('negative-prompt');
  await page.getByTestId('negative-preset').selectOption('V3');
  await expect(negative).toHaveValue('badhandv4, ng_deepnegative_v1_75t, bad quality');
  await negative.fill('badhandv4, blurry');
  await expect(page.getByTestId('negative-preset')).toHaveValue('Custom');
  await page.getByTestId('negative-preset').selectOption('Empty');
  await expect(negative).toHaveValue('');

  // Blank guidance end = constant guidance: the method is off until an end is set.
  await expect(page.getByTestId('guidance-method')).toBeDisabled();
  await setNumber(page, 'guidance-end', 7);
  await expect(page.getByTestId('guidance-method')).toBeEnabled();

  const refnetOption = packSelect.locator(`option[value="${REFNET_PACK}"]`);
  await expect(refnetOption).toContainText('ReferenceNet + IP-Adapter');
  await expect(refnetOption).toBeEnabled();
  await packSelect.selectOption(REFNET_PACK);
  await expect(page.getByTestId('pack-family')).toHaveText(/musev_referencenet/);
  await expect(page.getByTestId('refer-image-input')).toBeAttached();
  await expect(page.getByTestId('ip-image-input')).toBeAttached();
  await expect(page.getByTestId('refer-image-info')).toHaveText('Same as first frame');
  await expect(page.getByTestId('ip-scale')).toBeEnabled();
  await page.getByTestId('refer-image-input').setInputFiles({ name: 'ref.png', mimeType: 'image/png', buffer: portraitPng(64, 64) });
  await expect(page.getByTestId('refer-image-preview')).toBeVisible();
  await expect(page.getByTestId('image-preview')).toHaveCount(0); // the condition slot stays empty
  await packSelect.selectOption(MUSEV_PACK);
  await expect(page.getByTestId('refer-image-input')).toHaveCount(0);
});
