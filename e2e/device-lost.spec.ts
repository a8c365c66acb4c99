/**
 * A lost GPU device in the middle of a run (e2e/deviceLostHook.ts): on SwiftShader WebGPU the tiny
 * pack's device is destroyed after step 1 of 2; the run fails with 'device-lost' and a checkpoint
 * after that step; a new service on a new device resumes it and runs only step 2, with a smaller
 * plan, and its frames match the whole run on wasm (WebGPU vs wasm rounding: a few 1e-4 in latents).
 */
import { expect, test } from '@playwright/test';

test('lost GPU device: the run resumes from its last completed step on a new device', async ({ page }) => {
  test.setTimeout(15 * 60_000);
  page.on('console', (m) => {
    if (m.text().startsWith('[device-lost]')) console.log(m.text());
  });
  await page.goto('/e2e/harness.html');
  await page.waitForFunction(() => Boolean(window.__deviceLost), undefined, { timeout: 60_000 });
  const r = await page.evaluate(() => {
    const W = 64, H = 64;
    const rgba = new Uint8ClampedArray(W * H * 4).map((_, i) => (i % 4 === 3 ? 255 : (i * 37) % 256));
    return window.__deviceLost!.run({
      image: { width: W, height: H, rgba }, prompt: 'a person', negativePrompt: '', width: W, height: H,
      frames: 3, contextFrames: 2, contextOverlap: 1, steps: 2, guidanceScale: 1, seed: 7, fps: 8, motionSpeed: 8, wIndNoise: 0.5, imgWeight: 0.001,
    });
  });
  console.log(`device lost: ${r.error.code} at shot ${r.error.resumeShot} step ${r.error.resumeStep} (${r.error.detail}); resumed on ${r.resumedBackend}, steps ${JSON.stringify(r.resumedSteps)}; ` +
    `${r.frames} frames, max byte diff vs wasm ${r.maxByteDiff}; ${r.logs.filter((l) => /lost|resumed/.test(l)).join(' | ')}`);
  expect(r.error.code).toBe('device-lost');
  expect([r.error.resumeShot, r.error.resumeStep]).toEqual([0, 1]);
  expect(r.resumedBackend).toBe('webgpu');
  expect(r.resumedSteps).toEqual([1]);
  expect(r.frames).toBe(4);
  expect(r.maxByteDiff).toBeLessThanOrEqual(2);
  expect(r.logs.some((l) => /resumed at step 2 of shot 1/.test(l))).toBe(true);
});
