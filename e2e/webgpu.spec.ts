/**
 * WebGPU (SwiftShader in headless Chromium with --enable-unsafe-webgpu): one UNet call of the demo
 * pack on WebGPU matches the wasm backend within 1e-3, through the app's "Check GPU" button.
 */
import { expect, test } from '@playwright/test';

test('one UNet call on WebGPU matches wasm within 1e-3', async ({ page }) => {
  page.on('console', (m) => {
    if (m.type() === 'error') console.log(`[browser error] ${m.text()}`);
  });
  await page.goto('/');
  const hasAdapter = await page.evaluate(async () => Boolean(await navigator.gpu?.requestAdapter()));
  expect(hasAdapter, 'Chromium must expose a WebGPU adapter (--enable-unsafe-webgpu)').toBe(true);
  await page.getByTestId('gpu-check').click();
  const result = page.getByTestId('gpu-check-result');
  await expect(result).toHaveAttribute('data-max-abs-diff', /.+/, { timeout: 10 * 60_000 });
  const diff = Number(await result.getAttribute('data-max-abs-diff'));
  console.log(`WebGPU vs wasm, one UNet call: max |diff| = ${diff}; ${await result.textContent()}`);
  expect(diff).toBeLessThanOrEqual(1e-3);
  await expect(result).toContainText(/matches/i);
});

/**
 * The GPU-resident denoising loop (src/runtime/residentLoop.ts) on SwiftShader WebGPU: the tiny
 * pack at 64x64, 3 frames in 2 overlapping windows ([0, 1], [1, 2]), 2 steps, no CFG (one UNet call
 * takes about a minute on SwiftShader; CFG halves are covered on wasm, residentLoop.test.ts). Against the
 * CPU loop on the same device and sessions: final latents within 1e-4; during the steps nothing is
 * read back (only L once, at the end of the shot), where the CPU loop reads every noise_pred back;
 * the two generations on the one loaded pack create no session.
 */
test('GPU-resident loop: same latents as the CPU loop, nothing read back during steps, sessions reused', async ({ page }) => {
  page.on('console', (m) => {
    if (m.type() === 'error' && !/VerifyEachNodeIsAssignedToAnEp/.test(m.text())) console.log(`[browser error] ${m.text()}`);
    if (m.text().startsWith('[resident]')) console.log(m.text());
  });
  await page.goto('/e2e/harness.html');
  await page.waitForFunction(() => Boolean(window.__residentLoop), undefined, { timeout: 60_000 });
  const r = await page.evaluate(() => window.__residentLoop!.compare({ frames: 3, contextFrames: 2, contextOverlap: 1, steps: 2, guidanceScale: 1 }));
  console.log(
    `resident vs CPU loop on ${r.backend} (${r.adapter}): max |diff| ${r.maxAbsDiff.toExponential(2)} over ${r.latentValues} values; ` +
      `resident: ${JSON.stringify(r.resident.stepBytesReadBack)} bytes read back per step, UNet ${r.resident.unetBytesReadBack} B, final L ${r.resident.latentBytesReadBack} B, ` +
      `UNet ${r.resident.unetRunMs.toFixed(0)} ms in ${r.resident.unetRuns} runs, step graphs ${r.resident.stepGraphRunMs.toFixed(0)} ms, waiting on reads ${r.resident.readBackMs.toFixed(0)} ms, total ${r.resident.ms.toFixed(0)} ms; ` +
      `CPU loop: UNet outputs read back ${r.cpu.unetBytesReadBack} B, UNet ${r.cpu.unetRunMs.toFixed(0)} ms in ${r.cpu.unetRuns} runs, waiting on reads ${r.cpu.readBackMs.toFixed(0)} ms, total ${r.cpu.ms.toFixed(0)} ms; ` +
      `sessions at load ${r.sessionsAtLoad}, during the runs ${r.sessionsDuringRuns}`,
  );
  if (r.logs.length) console.log(r.logs.join('\n'));
  expect(r.residentAvailable, 'the pack loaded with the resident loop').toBe(true);
  expect(r.maxAbsDiff).toBeLessThanOrEqual(1e-4);
  expect(r.resident.stepBytesReadBack).toEqual([0, 0]);
  expect(r.resident.unetBytesReadBack).toBe(0);
  expect(r.resident.latentBytesReadBack).toBe(4 * 3 * 8 * 8 * 4); // L (1, 4, 3, 8, 8) once
  expect(r.cpu.stepBytesReadBack).toEqual([]);
  expect(r.cpu.unetBytesReadBack).toBe(2 * 2 * (4 * 3 * 8 * 8 * 4)); // 2 steps x 2 windows x noise_pred (B=1, 4, T=3, 8, 8)
  expect(r.resident.unetRuns).toBe(4);
  expect(r.sessionsAtLoad).toBeGreaterThan(4); // the pack's graphs + the 4 step graphs
  expect(r.sessionsDuringRuns).toBe(0);
  // with a checkpoint after every step: the same latents, L read back once per step (the final read
  // is the last checkpoint's), UNet outputs never, and L stays a GPU tensor for the next step
  console.log(`checkpointed: max |diff| vs CPU loop ${r.checkpointed.maxAbsDiff.toExponential(2)}, ${r.checkpointed.checkpoints} checkpoints, L read back ${r.checkpointed.latentBytesReadBack} B, ${r.checkpointed.ms.toFixed(0)} ms`);
  expect(r.checkpointed.maxAbsDiff).toBeLessThanOrEqual(1e-4);
  expect(r.checkpointed.checkpoints).toBe(2);
  expect(r.checkpointed.lastCheckpointIsResult).toBe(true);
  expect(r.checkpointed.latentBytesReadBack).toBe(2 * 4 * 3 * 8 * 8 * 4);
  expect(r.checkpointed.unetBytesReadBack).toBe(0);
});
