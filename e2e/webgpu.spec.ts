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
