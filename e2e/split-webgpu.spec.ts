/**
 * A split UNet on SwiftShader WebGPU (src/runtime/splitSession.ts): the tiny demo pack's UNet cut
 * into 3 parts by the exporter (`optimize_pack` with a session limit of 0.4 x its weights, as
 * models/tests/test_split.py does; written under test-results/ and served through page.route),
 * chained as the app chains it, equals the whole graph, and no tensor crossing between parts is
 * read back: the chained run makes the same GPU -> CPU reads (GPUBuffer.mapAsync READ) as the whole
 * graph, where the chain with every part output on the CPU reads each crossing float tensor back.
 * Integer crossing tensors (shape values) stay on the CPU, where onnxruntime makes and reads them.
 * As the resident loop creates it (withOutputsOnGpu: every output on the GPU), noise_pred stays on
 * the GPU and only the integer crossing tensors are read back (they are put on the GPU there too).
 * Input: 1 x 4 x 2 frames x 8 x 8 latents (SwiftShader is slow; each session compiles its shaders).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';

const root = fileURLToPath(new URL('..', import.meta.url));
const packDir = join(root, 'test-results', 'e2e-split', 'tiny-musev-split');
const python = process.env.MUSEV_PYTHON ?? '/usr/bin/python3';

const SPLIT = `
import onnx, shutil, sys
from pathlib import Path
from musev_export.optimize import OptimizeOptions, optimize_pack
from musev_export.optimize.external import MIB
from musev_export.optimize.graph import weight_bytes
src, dst = Path('public/packs/tiny-musev'), Path(sys.argv[1])
shutil.rmtree(dst, ignore_errors=True)
total = weight_bytes(onnx.load(str(src / 'unet.onnx'), load_external_data=False))
optimize_pack(src, dst, OptimizeOptions(max_session_mb=total * 0.4 / MIB), pack_id='tiny-musev-split')
`;

test.beforeAll(() => {
  const r = spawnSync(python, ['-c', SPLIT, packDir], { cwd: root, env: { ...process.env, PYTHONPATH: join(root, 'models') }, encoding: 'utf8', timeout: 4 * 60_000 });
  if (r.status !== 0) throw new Error(`split pack failed (${python}):\n${r.stdout}\n${r.stderr}\n${r.error ?? ''}`);
  expect(existsSync(join(packDir, 'manifest.json'))).toBe(true);
});

test('split UNet on WebGPU: chained parts equal the whole graph, no crossing tensor read back', async ({ page }) => {
  test.setTimeout(20 * 60_000);
  page.on('console', (m) => {
    if (m.type() === 'error' && !/VerifyEachNodeIsAssignedToAnEp/.test(m.text())) console.log(`[browser error] ${m.text()}`);
  });
  page.on('pageerror', (e) => console.log(`[pageerror] ${e.message}`));
  await page.route('**/__split/**', async (route) => {
    const m = /\/__split\/([^?#]+)/.exec(route.request().url());
    const file = m ? join(packDir, decodeURIComponent(m[1])) : '';
    if (!file.startsWith(packDir) || !existsSync(file)) return route.fulfill({ status: 404, body: 'not found' });
    return route.fulfill({ path: file, contentType: 'application/octet-stream' });
  });
  await page.goto('/e2e/harness.html');
  await page.waitForFunction(() => Boolean(window.__splitChain), undefined, { timeout: 60_000 });
  const r = await page.evaluate(() => window.__splitChain!.compare({ splitPack: '/__split/', frames: 2, h: 8, w: 8 }));
  const line = (label: string, x: typeof r.whole) =>
    `${label}: ${x.reads} reads, ${x.bytesRead} B read back, noise_pred on ${x.outputLocation}, max |diff| vs whole ${x.maxAbsDiff.toExponential(2)}, ${x.ms.toFixed(0)} ms`;
  const floats = r.crossing.filter((t) => t.type === 'float32');
  const ints = r.crossing.filter((t) => t.type !== 'float32');
  const bytes = (ts: typeof r.crossing) => ts.reduce((a, t) => a + t.dims.reduce((x, y) => x * y, 1) * (t.type === 'int64' ? 8 : 4), 0);
  console.log(
    [
      `split UNet on WebGPU (${r.adapter}), ${r.parts} parts; crossing tensors: ${floats.length} float32 (${bytes(floats)} B), ` +
        `${ints.length} integer (${bytes(ints)} B: ${ints.map((t) => `${t.type}[${t.dims.join(',')}]`).join(' ')}); noise_pred ${r.noisePredBytes} B`,
      line('whole graph', r.whole),
      line('chained (crossing on gpu-buffer)', r.chained),
      line('chained, every part output on the CPU (before)', r.chainedCpu),
      line('chained as the resident loop makes it', r.chainedResident),
      `asked: ${JSON.stringify(r.chained.locations.map((l) => (l && typeof l === 'object' ? Object.keys(l).length : l)))}`,
    ].join('\n'),
  );
  expect(r.parts).toBe(3);
  expect(r.chained.maxAbsDiff).toBeLessThanOrEqual(1e-5);
  expect(r.chainedResident.maxAbsDiff).toBeLessThanOrEqual(1e-5);
  // every float crossing tensor was asked for on the GPU, the integer ones (shape values) and the last part's output were not
  expect(floats.every((t) => t.location === 'gpu-buffer')).toBe(true);
  expect(ints.every((t) => t.location === 'undefined')).toBe(true);
  expect(r.chained.locations.at(-1)).toBeUndefined();
  expect(r.chained.outputLocation).toBe('cpu');
  // the chain reads back what the whole graph reads back (noise_pred), nothing for the crossing tensors
  expect(r.chained.reads).toBe(r.whole.reads);
  expect(r.chained.bytesRead).toBe(r.whole.bytesRead);
  // the chain as it was read every float crossing tensor back (the integer ones are made on the CPU)
  expect(r.chainedCpu.bytesRead).toBe(r.whole.bytesRead + bytes(floats));
  // as the resident loop makes it: noise_pred and the float crossing tensors stay on the GPU, the
  // integer ones on the CPU (withOutputsOnGpu keeps the locations the parts name): nothing read back
  expect(r.chainedResident.outputLocation).toBe('gpu-buffer');
  expect(r.chainedResident.reads).toBe(0);
  expect(r.chainedResident.bytesRead).toBe(0);
});
