/**
 * No compute node of the demo packs falls back to the CPU in an onnxruntime-web/webgpu session
 * (Chromium + SwiftShader via --enable-unsafe-webgpu), for every committed pack (public/packs/*) and for the
 * exporter's post-processed variants (MultiHeadAttention, int8 weights; fp16 only where the
 * adapter has shader-f16, which SwiftShader lacks).
 *
 * The variants come from `python -m musev_export.optimize.placement` (Debian's /usr/bin/python3
 * with python3-onnx + python3-torch, as the pytest suite needs), written under test-results/ and
 * served through page.route. Every graph's session is created once with verbose logging; ORT's
 * "Node placements" lines are parsed by e2e/ortPlacement.ts. ORT deliberately keeps small
 * shape computations on the CPU: a node on the CPU passes only when its op is in SHAPE_OPS AND it
 * produces no float tensor (the fixture lists each graph's float-producing node names), or when it is
 * a Cast of an integer graph input (the UNet's Cast(frame_index), listed by name). Compute
 * ops (Conv, MatMul, Softmax, InstanceNormalization, Mul/Add on activations, ...) on the CPU fail.
 * Sessions are only created (SwiftShader compiles shaders on the first run); one tiny input runs
 * through the MHA variant's VAE decoder.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import type { OrtPlacementHooks, PlacementResult, RunFeed } from './ortPlacement';

const root = fileURLToPath(new URL('..', import.meta.url));
const fixtureDir = join(root, 'test-results', 'e2e-placement');
const python = process.env.MUSEV_PYTHON ?? '/usr/bin/python3';

/**
 * Ops ORT may run on the CPU for shape arithmetic and integer/bool index logic (e.g. the
 * referencenet UNet's cond-frame row mask: Range -> Equal -> Not/Or over frame rows). Never
 * allowed when the node produces a float tensor.
 */
const SHAPE_OPS = new Set([
  'Shape', 'Size', 'Gather', 'GatherElements', 'Unsqueeze', 'Squeeze', 'Concat', 'Slice', 'Cast', 'Reshape',
  'ConstantOfShape', 'Range', 'Where', 'Expand', 'Identity', 'Mul', 'Add', 'Sub', 'Div', 'Mod', 'Floor',
  'Ceil', 'Max', 'Min', 'ReduceProd', 'Neg', 'Constant',
  'Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'Not', 'And', 'Or', 'Xor',
]);

interface GraphFixture {
  graph: string;
  file: string;
  externalData: string[];
  floatNodes: string[];
  /** Casts of an integer graph input (the UNet's frame_index -> float, a [frames] vector): allowed on the CPU. */
  boundaryCasts: string[];
  nodes: number;
}
interface PackFixture {
  id: string;
  dir: string;
  variant: string;
  dtype: string;
  graphs: GraphFixture[];
}

const VARIANTS = ['committed', 'fp32-mha', 'fp32-int8', 'fp16-int8-mha'];
let packs: PackFixture[] = [];

test.describe.configure({ mode: 'serial' });

test.beforeAll(() => {
  test.setTimeout(5 * 60_000);
  const r = spawnSync(python, ['-m', 'musev_export.optimize.placement', '--out', fixtureDir], {
    cwd: root,
    env: { ...process.env, PYTHONPATH: join(root, 'models') },
    encoding: 'utf8',
    timeout: 4 * 60_000,
  });
  if (r.status !== 0) throw new Error(`placement fixtures failed (${python}):\n${r.stdout}\n${r.stderr}\n${r.error ?? ''}`);
  const file = join(fixtureDir, 'placement.json');
  expect(existsSync(file)).toBe(true);
  packs = (JSON.parse(readFileSync(file, 'utf8')) as { packs: PackFixture[] }).packs;
});

async function openHarness(page: Page) {
  page.on('pageerror', (e) => console.log(`[pageerror] ${e.message}`));
  // /__placement/<pack index>/<file> -> that pack's folder on disk
  await page.route('**/__placement/**', async (route) => {
    const m = /\/__placement\/(\d+)\/([^?#]+)/.exec(route.request().url());
    const pack = m ? packs[Number(m[1])] : undefined;
    const file = pack && m ? join(pack.dir, decodeURIComponent(m[2])) : '';
    if (!pack || !file.startsWith(pack.dir) || !existsSync(file)) return route.fulfill({ status: 404, body: 'not found' });
    return route.fulfill({ path: file, contentType: 'application/octet-stream' });
  });
  await page.goto('/e2e/harness.html');
  await page.waitForFunction(() => (window as { __ortPlacement?: OrtPlacementHooks }).__ortPlacement !== undefined, undefined, {
    timeout: 120_000,
  });
}

function cpuViolations(result: PlacementResult, g: GraphFixture): string[] {
  const floats = new Set(g.floatNodes);
  const bad: string[] = [];
  for (const [ep, nodes] of Object.entries(result.placements)) {
    if (ep === 'WebGpuExecutionProvider') continue;
    if (nodes.length === 0 && (result.counts[ep] ?? 0) > 0) bad.push(`${result.counts[ep]} node(s) on ${ep}, not listed`);
    for (const n of nodes) {
      if (n.op === 'Cast' && g.boundaryCasts.includes(n.name)) continue;
      if (!SHAPE_OPS.has(n.op)) bad.push(`${n.op} (${n.name}) on ${ep}: compute op`);
      else if (floats.has(n.name)) bad.push(`${n.op} (${n.name}) on ${ep}: works on a float tensor`);
    }
  }
  return bad;
}

/** A 1x4x4x4 latent for the VAE decoder (16 tokens in the mid attention: below the subgroup-bug sizes). */
function tinyLatent(): RunFeed[] {
  const data = Array.from({ length: 64 }, (_, i) => Math.sin(i * 0.7) * 0.8);
  return [{ name: 'latent', dtype: 'float32', dims: [1, 4, 4, 4], data }];
}

for (const variant of VARIANTS) {
  test(`WebGPU placement, ${variant} packs: no compute node on the CPU`, async ({ page }) => {
    test.setTimeout(10 * 60_000);
    await openHarness(page);
    const adapter = await page.evaluate(() => window.__ortPlacement!.adapterInfo());
    expect(adapter.hasAdapter, 'Chromium must expose a WebGPU adapter (--enable-unsafe-webgpu)').toBe(true);
    const selected = packs.map((p, index) => ({ p, index })).filter(({ p }) => p.variant === variant);
    expect(selected.length, `fixtures for ${variant}`).toBeGreaterThan(0);
    const fp16 = selected.every(({ p }) => p.dtype === 'float16');
    test.skip(fp16 && !adapter.shaderF16 && !process.env.PLACEMENT_FP16_ANYWAY, 'fp16 graphs need shader-f16; this adapter (SwiftShader) has none');
    for (const { p, index } of selected) {
      for (const g of p.graphs) {
        const run = variant === 'fp32-mha' && g.graph === 'vae_decoder' ? tinyLatent() : undefined;
        const result = await page.evaluate(
          (args) => window.__ortPlacement!.check(args),
          {
            model: `/__placement/${index}/${g.file}`,
            externalData: g.externalData.map((f) => ({ path: f.split('/').pop() as string, url: `/__placement/${index}/${f}` })),
            run,
          },
        );
        const summary = Object.entries(result.counts)
          .map(([ep, n]) => `${ep.replace('ExecutionProvider', '')} ${n}`)
          .join(', ');
        console.log(`${p.id}/${g.graph}: ${g.nodes} nodes in the file; placed: ${summary || '?'}; session ${result.createMs.toFixed(0)} ms` +
          (result.run ? `; run ${result.run.ms.toFixed(0)} ms` : ''));
        expect(result.error, `${p.id}/${g.graph}: session creation`).toBeUndefined();
        expect(result.ok).toBe(true);
        expect(Object.keys(result.counts).length, `${p.id}/${g.graph}: placement lines found\n${result.placementLines.join('\n')}`).toBeGreaterThan(0);
        expect(result.counts.WebGpuExecutionProvider ?? 0, `${p.id}/${g.graph}: nodes on WebGPU`).toBeGreaterThan(0);
        const bad = cpuViolations(result, g);
        expect(bad, `${p.id}/${g.graph}: compute nodes off WebGPU`).toEqual([]);
        if (run) {
          expect(result.error_run, `${p.id}/${g.graph}: run`).toBeUndefined();
          const out = result.run!.outputs[0];
          expect(out.dims).toEqual([1, 3, 32, 32]);
          expect(out.finite).toBe(true);
          expect(out.maxAbs).toBeGreaterThan(0);
        }
      }
    }
  });
}
