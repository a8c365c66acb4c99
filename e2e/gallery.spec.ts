/**
 * Nothing lost, in Debian Chromium against the built app: a finished video stays in the gallery
 * (OPFS) across a reload, plays, restores its settings and image with "Generate again", exports as a
 * MuseV task, and is deleted; a generation cut by a reload is listed as interrupted, settings kept.
 */
import { expect, test, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { dropImage, inspectVideo, openApp, settings } from './fixtures/app';
import { portraitPng } from './fixtures/png';

const items = (page: Page) => page.getByTestId('gallery-item');

async function reload(page: Page) {
  await page.reload();
  await page.waitForFunction(() => (window as { __musevTest?: unknown }).__musevTest !== undefined);
  await expect(page.getByTestId('gallery')).toHaveAttribute('data-status', 'ready');
}

/** Entry folders under OPFS gallery/. */
function galleryFolders(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const root = await navigator.storage.getDirectory();
    const dir = (await root.getDirectoryHandle('gallery', { create: true })) as FileSystemDirectoryHandle & { keys(): AsyncIterable<string> };
    const out: string[] = [];
    for await (const k of dir.keys()) out.push(k);
    return out;
  });
}

test('a finished video survives a reload: it plays, Generate again restores prompt, seed and image, Export task, Delete', async ({ page }) => {
  await openApp(page);
  await dropImage(page);
  await page.getByTestId('prompt').fill('a girl smiling, gallery test');
  await settings(page, { frames: 3, 'context-frames': 4, 'context-overlap': 2, steps: 2, fps: 6, seed: 4321 });
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('job-status')).toHaveText('done', { timeout: 5 * 60_000 });
  await expect(items(page)).toHaveCount(1);
  await expect(items(page).first()).toHaveAttribute('data-status', 'done');

  await reload(page);
  const item = items(page).first();
  await expect(items(page)).toHaveCount(1);
  await expect(item).toHaveAttribute('data-status', 'done');
  await expect(item.getByTestId('gallery-prompt')).toHaveText('a girl smiling, gallery test');
  await expect(item.getByTestId('gallery-seed')).toHaveText('4321');
  await expect(item.locator('img')).toBeVisible(); // thumbnail from OPFS
  const [id] = await galleryFolders(page);
  expect(await galleryFolders(page)).toEqual([await item.getAttribute('data-id')]);

  await item.getByTestId('gallery-play').click();
  const video = page.getByTestId('gallery-video');
  const duration = await video.evaluate(async (v: HTMLVideoElement) => {
    if (v.readyState < 1) await new Promise((r) => v.addEventListener('loadedmetadata', r, { once: true }));
    return v.duration;
  });
  const info = await inspectVideo(page, (await video.getAttribute('src'))!);
  console.log(`gallery entry ${id}: ${info.bytes} bytes, ${info.frameCount} frames @ ${info.fps} fps, duration ${duration.toFixed(2)} s`);
  expect(info.frameCount).toBe(4);
  expect(duration).toBeCloseTo(4 / 6, 1);
  await expect(page.getByTestId('gallery-download')).toHaveAttribute('download', /\.mp4$/);

  // other settings, then back to the entry's
  await page.getByTestId('prompt').fill('something else');
  await settings(page, { seed: 1, frames: 5 });
  await dropImage(page, 'other.png', portraitPng(128, 64));
  await expect(page.getByTestId('image-info')).toContainText('other.png');
  await item.getByTestId('gallery-again').click();
  await expect(page.getByTestId('prompt')).toHaveValue('a girl smiling, gallery test');
  await expect(page.getByTestId('seed')).toHaveValue('4321');
  await expect(page.getByTestId('frames')).toHaveValue('3');
  await expect(page.getByTestId('image-info')).toContainText('portrait.png · 64×64');
  await expect(page.getByTestId('width')).toHaveValue('64');

  const download = page.waitForEvent('download');
  await item.getByTestId('gallery-export').click();
  const yaml = readFileSync((await (await download).path())!, 'utf8');
  expect(yaml).toContain('prompt: a girl smiling, gallery test');
  expect(yaml).toContain('--seed 4321');
  expect(yaml).toContain('condition_images: ./portrait.png');

  await item.getByTestId('gallery-delete').click();
  await expect(items(page)).toHaveCount(0);
  await expect(page.getByTestId('gallery-video')).toHaveCount(0);
  expect(await galleryFolders(page)).toEqual([]);
  await reload(page);
  await expect(items(page)).toHaveCount(0);
});

test('a generation interrupted by a reload is listed as interrupted, with its settings for Generate again', async ({ page }) => {
  await openApp(page);
  await dropImage(page);
  await page.getByTestId('prompt').fill('cut short by a reload');
  await settings(page, { frames: 12, 'context-frames': 4, 'context-overlap': 2, steps: 20, seed: 99 });
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('progress')).toHaveAttribute('data-stage', 'denoise', { timeout: 5 * 60_000 });
  await expect(items(page).first()).toHaveAttribute('data-status', 'running');

  await reload(page);
  const item = items(page).first();
  await expect(items(page)).toHaveCount(1);
  await expect(item).toHaveAttribute('data-status', 'interrupted');
  await expect(item.getByTestId('gallery-status')).toHaveText('interrupted');
  await expect(item.getByTestId('gallery-message')).toContainText('Interrupted');
  await expect(item.getByTestId('gallery-play')).toHaveCount(0);

  await page.getByTestId('prompt').fill('another prompt');
  await item.getByTestId('gallery-again').click();
  await expect(page.getByTestId('prompt')).toHaveValue('cut short by a reload');
  await expect(page.getByTestId('seed')).toHaveValue('99');
  await expect(page.getByTestId('frames')).toHaveValue('12');
  await expect(page.getByTestId('image-info')).toContainText('portrait.png');
});
