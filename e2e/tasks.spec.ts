/**
 * MuseV task files in the built app (Debian Chromium, tiny demo pack on wasm): import a task file
 * whose `eye_blinks_factor: 1.2|1.8` splits it into two tasks, provide the image it names, run the
 * queue, get one MP4 per task; a broken file shows an error naming its line; the current settings
 * export as a task file that imports again.
 */
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { inspectVideo, openApp, settings } from './fixtures/app';
import { portraitPng } from './fixtures/png';

const taskFile = (name: string, text: string) => ({ name, mimeType: 'application/yaml', buffer: Buffer.from(text) });

const TASKS = `- name: blink
  condition_images: ./data/images/face.png
  refer_image: \${.condition_images}
  ipadapter_image: \${.condition_images}
  prompt: (masterpiece, best quality:1),(1girl, solo:1),(eye blinks:{eye_blinks_factor}),(head wave:1.3)
  eye_blinks_factor: 1.2|1.8
  height: 64
  width: 64
  img_length_ratio: 1.0
  motion_speed: 6.0
  video_path: null
`;

test('a task file with eye_blinks_factor 1.2|1.8 runs as two tasks on wasm, each with its own MP4', async ({ page }) => {
  await openApp(page);
  await settings(page, { frames: 2, 'context-frames': 4, 'context-overlap': 2, steps: 2, fps: 6 });

  await page.getByTestId('task-file-input').setInputFiles(taskFile('blink.yaml', TASKS));
  const items = page.getByTestId('task-item');
  await expect(items).toHaveCount(2);
  await expect(items.nth(0)).toHaveAttribute('data-status', 'missing-image');
  await expect(items.nth(0).getByTestId('task-message')).toHaveText('Task "blink" (line 2): condition_images names "face.png". Add that image with "Add images".');
  await expect(page.getByTestId('run-queue')).toBeDisabled();

  await page.getByTestId('task-images-input').setInputFiles([{ name: 'face.png', mimeType: 'image/png', buffer: portraitPng(64, 64) }]);
  await expect(items.nth(0)).toHaveAttribute('data-status', 'queued');
  await expect(items.nth(1)).toHaveAttribute('data-status', 'queued');
  await expect(items.nth(0)).toContainText('(eye blinks:1.2)');
  await expect(items.nth(1)).toContainText('(eye blinks:1.8)');
  await expect(items.nth(0)).toContainText('face.png');

  const t0 = Date.now();
  await page.getByTestId('run-queue').click();
  await expect(items.nth(0)).toHaveAttribute('data-status', /running|done/);
  await expect(items.nth(1)).toHaveAttribute('data-status', 'done', { timeout: 10 * 60_000 });
  await expect(items.nth(0)).toHaveAttribute('data-status', 'done');
  console.log(`two tasks on wasm in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const urls = await items.getByTestId('task-video').evaluateAll((videos) => videos.map((v) => (v as HTMLVideoElement).src));
  expect(urls).toHaveLength(2);
  expect(new Set(urls).size).toBe(2);
  for (const url of urls) {
    expect(url).toMatch(/^blob:/);
    // both videos are still readable after the queue ran on
    const info = await inspectVideo(page, url);
    expect(info.frameCount).toBe(3); // the condition frame + 2
    expect(info.width).toBe(64);
    expect(info.height).toBe(64);
  }
  await expect(items.nth(0).getByTestId('task-download')).toHaveAttribute('download', /^blink-eye-blinks-factor-1-2-seed\d+\.mp4$/);
  await expect(items.nth(1).getByTestId('task-download')).toHaveAttribute('download', /^blink-eye-blinks-factor-1-8-seed\d+\.mp4$/);
  // the task's settings were applied for the run
  await expect(page.getByTestId('motion-speed')).toHaveValue('6');
});

test('a broken task file shows an error naming the line; a wrong value names line and key', async ({ page }) => {
  await openApp(page);
  await page.getByTestId('task-file-input').setInputFiles(taskFile('broken.yaml', '- name: a\n  prompt: p\n height: 64\n'));
  const error = page.getByTestId('task-error');
  await expect(error).toHaveCount(1);
  await expect(error).toContainText(/YAML error on line 3/);
  await expect(error).toHaveAttribute('data-line', '3');

  await page.getByTestId('task-file-input').setInputFiles(taskFile('typo.yaml', '- name: a\n  prompt: p\n  height: tall\n'));
  await expect(error).toHaveText('Task "a", line 3: `height` must be a number, e.g. `height: 768` — got `tall`.');
  await expect(error).toHaveAttribute('data-key', 'height');
  await expect(page.getByTestId('task-item')).toHaveCount(0);
});

test('Export settings as task downloads a MuseV task file that imports again', async ({ page }) => {
  await openApp(page);
  await page.getByTestId('image-input').setInputFiles({ name: 'portrait.png', mimeType: 'image/png', buffer: portraitPng(64, 64) });
  await expect(page.getByTestId('image-preview')).toBeVisible();
  await page.getByTestId('prompt').fill('a girl smiling, (eye blinks:1.5)');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-task').click()]);
  expect(download.suggestedFilename()).toBe('musev-task.yaml');
  const text = readFileSync((await download.path())!, 'utf8');
  expect(text).toContain('condition_images: ./portrait.png');
  expect(text).toContain('prompt: a girl smiling, (eye blinks:1.5)');
  expect(text).toMatch(/^#   python scripts\/inference\/text2video.py -test_data_path musev-task.yaml --time_size \d+/m);

  await page.getByTestId('task-file-input').setInputFiles(taskFile('musev-task.yaml', text));
  await expect(page.getByTestId('task-item')).toHaveCount(1);
  await expect(page.getByTestId('task-item')).toContainText('a girl smiling, (eye blinks:1.5)');
  await expect(page.getByTestId('task-item')).toHaveAttribute('data-status', 'missing-image');
});
