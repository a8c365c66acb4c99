/**
 * Every inference path of the two bundled demo packs, in the built app on wasm:
 * text → image → video (no image at all), redraw of the condition image, and the
 * ReferenceNet + IP-Adapter family with separate reference, IP and face (IP-Adapter FaceID) images.
 */
import { expect, test, type Page } from '@playwright/test';
import { dropImage, inspectVideo, openApp, settings } from './fixtures/app';
import { encodePng, portraitPng } from './fixtures/png';

const MUSEV_PACK = 'packs/tiny-musev/manifest.json';
const REFNET_PACK = 'packs/tiny-musev-referencenet/manifest.json';

async function generateAndCount(page: Page): Promise<number> {
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('job-status')).toHaveText('done', { timeout: 5 * 60_000 });
  const info = await inspectVideo(page, (await page.getByTestId('result-video').getAttribute('src'))!);
  expect(info.width).toBe(64);
  expect(info.height).toBe(64);
  expect(info.frameCount).not.toBeNull();
  return info.frameCount as number;
}

test('text → image → video: no image, the first frame is generated; the video holds time_size frames', async ({ page }) => {
  await openApp(page);
  await page.getByTestId('pack-select').selectOption(MUSEV_PACK);
  await page.getByTestId('first-frame-mode').selectOption('generate');
  await expect(page.getByTestId('face-image-drop')).toHaveCount(0); // no FaceID graphs in this pack
  await page.getByTestId('prompt').fill('a girl smiling, eye blinks');
  await settings(page, { width: 64, height: 64, frames: 3, 'context-frames': 4, 'context-overlap': 2, steps: 2, 'first-frame-steps': 3 });
  expect(await generateAndCount(page)).toBe(3);
});

test('redraw the condition image, then animate it: 1 + time_size frames', async ({ page }) => {
  await openApp(page);
  await page.getByTestId('pack-select').selectOption(MUSEV_PACK);
  await dropImage(page);
  await page.getByTestId('first-frame-mode').selectOption('redraw');
  await settings(page, { frames: 3, 'context-frames': 4, 'context-overlap': 2, steps: 2, 'first-frame-steps': 3 });
  expect(await generateAndCount(page)).toBe(4);
});

test('ReferenceNet + IP-Adapter + FaceID pack with its own reference, IP and face images', async ({ page }) => {
  await openApp(page);
  await page.getByTestId('pack-select').selectOption(REFNET_PACK);
  await expect(page.getByTestId('pack-family')).toHaveText(/musev_referencenet/);
  await dropImage(page);
  const other = encodePng(64, 64, (x, y) => [x * 4, 255 - y * 4, 128, 255]);
  await page.getByTestId('refer-image-input').setInputFiles({ name: 'ref.png', mimeType: 'image/png', buffer: other });
  await page.getByTestId('ip-image-input').setInputFiles({ name: 'ip.png', mimeType: 'image/png', buffer: portraitPng(80, 64) });
  await expect(page.getByTestId('face-image-drop')).toBeVisible();
  await page.getByTestId('face-image-input').setInputFiles({ name: 'face.png', mimeType: 'image/png', buffer: portraitPng(64, 80) });
  await expect(page.getByTestId('face-image-drop')).toHaveAttribute('data-state', 'ready');
  await settings(page, { frames: 4, 'context-frames': 4, 'context-overlap': 2, steps: 2, 'face-scale': 0.8 });
  expect(await generateAndCount(page)).toBe(5);
  await expect(page.getByTestId('backend')).toContainText('wasm');
});
