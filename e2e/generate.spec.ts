/**
 * The product path in Debian Chromium on the built app and the bundled tiny demo pack:
 * drop an image, generate on the wasm backend, get an MP4 that really holds 1 + N frames;
 * cancel mid-run and generate again; a bad file gets a message and the app keeps working.
 */
import { expect, test } from '@playwright/test';
import { dropImage, inspectVideo, openApp, settings } from './fixtures/app';
import { portraitPng } from './fixtures/png';

test('drop an image, generate 10 frames (context 4, overlap 2) on wasm: the MP4 holds 11 frames at the chosen fps and size', async ({ page }) => {
  await openApp(page);
  await dropImage(page);
  await expect(page.getByTestId('image-preview')).toBeVisible();
  await expect(page.getByTestId('width')).toHaveValue('64');
  await expect(page.getByTestId('height')).toHaveValue('64');
  await expect(page.getByTestId('random-weights')).toBeVisible();
  await page.getByTestId('prompt').fill('(masterpiece, best quality:1), a girl smiling, (eye blinks:1.8)');
  await settings(page, { frames: 10, 'context-frames': 4, 'context-overlap': 2, steps: 4, fps: 6, seed: 1234 });

  const t0 = Date.now();
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('progress')).toBeVisible();
  await expect(page.getByTestId('job-status')).toHaveText('done', { timeout: 10 * 60_000 });
  const seconds = (Date.now() - t0) / 1000;
  await expect(page.getByTestId('backend')).toContainText('wasm');
  await expect(page.getByTestId('live-frame')).toHaveCount(11);

  const src = await page.getByTestId('result-video').getAttribute('src');
  expect(src).toMatch(/^blob:/);
  const info = await inspectVideo(page, src!);
  console.log(`generated 11 frames 64x64 on wasm in ${seconds.toFixed(1)} s; MP4 ${info.bytes} bytes, ${info.frameCount} frames @ ${info.fps} fps`);
  expect(info.frameCount).toBe(11);
  expect(info.fps).toBeCloseTo(6, 5);
  expect(info.width).toBe(64);
  expect(info.height).toBe(64);
  await expect(page.getByTestId('download')).toHaveAttribute('download', /\.mp4$/);
  // Default format MP4 with encoder Auto: Chromium's WebCodecs encodes H.264, so the fast path made it.
  await expect(page.getByTestId('result-encoder')).toContainText(/WebCodecs avc1\.\w+ \(auto: this browser encodes H\.264/);

  // the video element can play the file
  const duration = await page.getByTestId('result-video').evaluate(async (v: HTMLVideoElement) => {
    if (v.readyState < 1) await new Promise((r) => v.addEventListener('loadedmetadata', r, { once: true }));
    return v.duration;
  });
  expect(duration).toBeCloseTo(11 / 6, 1);
});

test('Cancel mid-run stops at once; the next Generate completes', async ({ page }) => {
  await openApp(page);
  await dropImage(page);
  await settings(page, { frames: 12, 'context-frames': 4, 'context-overlap': 2, steps: 20, fps: 8 });
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('progress')).toHaveAttribute('data-stage', 'denoise', { timeout: 5 * 60_000 });
  await page.getByTestId('cancel').click();
  await expect(page.getByTestId('job-status')).toHaveText('cancelled', { timeout: 5_000 });
  await expect(page.getByTestId('prompt')).toBeEditable();

  await settings(page, { frames: 3, steps: 2 });
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('job-status')).toHaveText('done', { timeout: 5 * 60_000 });
  await expect(page.getByTestId('live-frame')).toHaveCount(4);
});

test('a file that is not an image gets a clear message and the app keeps working', async ({ page }) => {
  await openApp(page);
  await dropImage(page, 'notes.png', Buffer.from('this is not a png at all'), 'image/png');
  await expect(page.getByTestId('error')).toContainText(/not an image/i);
  await expect(page.getByTestId('error')).toHaveAttribute('data-code', 'bad-image');
  await dropImage(page, 'report.pdf', Buffer.from('%PDF-1.4'), 'application/pdf');
  await expect(page.getByTestId('error')).toContainText(/not an image/i);

  await dropImage(page);
  await expect(page.getByTestId('image-preview')).toBeVisible();
  await settings(page, { frames: 2, 'context-frames': 4, 'context-overlap': 2, steps: 2 });
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('job-status')).toHaveText('done', { timeout: 5 * 60_000 });
});
