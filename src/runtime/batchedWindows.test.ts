/**
 * Several windows per UNet call (and CFG halves apart) on the real tiny packs, onnxruntime-web wasm:
 * the latents equal those of MuseV's one window per call within 1e-5 (the toy-network version of
 * this check is src/pipeline/unetBatch.test.ts).
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EulerDiscreteScheduler } from '../core/eulerDiscrete';
import { Mt19937 } from '../core/mt19937';
import { planWindows } from '../core/planWindows';
import { torchRandnSeeded } from '../core/torchRandn';
import { denoise, type DenoiseOptions } from '../pipeline/denoise';
import { faceConditioningFor } from '../pipeline/faceConditioning';
import { conditioningFor } from '../pipeline/imageConditioning';
import { pixelsFromRgba } from '../pipeline/images';
import type { UnetConditioning } from '../pipeline/networks';
import { loadPack, type LoadedPack } from './loadPack';

ort.env.wasm.numThreads = 1;

const packDir = (id: string) => fileURLToPath(new URL(`../../public/packs/${id}/`, import.meta.url));
const source = (dir: string) => ({ label: dir, readBytes: async (p: string) => new Uint8Array(await readFile(dir + p)) });

function gradient(width: number, height: number, seed: number) {
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let p = 0; p < width * height; p++) rgba.set([(p * 7 + seed) % 256, (p * 3) % 256, (seed * 40 + p) % 256, 255], p * 4);
  return { width, height, rgba };
}

for (const id of ['tiny-musev', 'tiny-musev-referencenet']) {
  describe(`windows per UNet call on ${id} (wasm)`, () => {
    let pack: LoadedPack;
    beforeAll(async () => {
      pack = await loadPack(ort, source(packDir(id)), { backend: 'wasm' }, () => {});
    }, 120_000);
    afterAll(async () => pack?.release());

    it('stacked windows and split CFG halves give the one-window-per-call latents within 1e-5', async () => {
      const { pipelineConfig: cfg, networks: nets, manifest } = pack;
      const [h, w] = [8, 8];
      const shape = [1, 4, 9, h, w];
      const D = manifest.unet.crossAttentionDim;
      const E = { data: torchRandnSeeded([2, 77, D], 2), shape: [2, 77, D] };
      let conditioning: UnetConditioning | undefined;
      if (cfg.unetConditioning) {
        const refer = pixelsFromRgba(gradient(64, 64, 1));
        conditioning = await conditioningFor(nets, cfg, { refer, ip: pixelsFromRgba(gradient(64, 64, 2)), E, ipScale: 1 });
      }
      // FaceID packs: face tokens of a third picture (halves split and tiled like the IP tokens).
      const face = await faceConditioningFor(nets.face, cfg, { image: pixelsFromRgba(gradient(64, 64, 3)), scale: 1, B: 2, D }, new Map());
      if (face) conditioning = { ...conditioning, ...face };
      const windows = planWindows({ frames: 9, contextFrames: 4, overlap: 2, schedule: 'uniform_v2' }); // 3 of 4 frames, then 3
      const run = (extra: Partial<DenoiseOptions>) => {
        const scheduler = new EulerDiscreteScheduler(cfg.scheduler);
        scheduler.setTimesteps(2);
        return denoise({
          unet: nets.unet, scheduler, latents: torchRandnSeeded(shape, 1), shape, E,
          cond: { data: torchRandnSeeded([1, 4, 1, h, w], 3), shape: [1, 4, 1, h, w] },
          windows, guidance: [3.5, 3.5], doCfg: true, frameIndex: (T) => Array.from({ length: T }, (_, j) => j),
          conditioning, stepNoise: { type: 'random', rng: new Mt19937(7) }, ...extra,
        });
      };
      const base = await run({});
      for (const unetPlan of [{ windowsPerCall: 3, cfgTogether: true }, { windowsPerCall: 3, cfgTogether: false }]) {
        const other = await run({ unetPlan });
        let diff = 0;
        other.forEach((v, i) => (diff = Math.max(diff, Math.abs(v - base[i]))));
        const scale = base.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        console.log(`${id}: ${unetPlan.windowsPerCall} windows per call, CFG halves ${unetPlan.cfgTogether ? 'together' : 'apart'}: max |diff| ${diff.toExponential(2)} (max |latent| ${scale.toFixed(1)})`);
        expect(diff).toBeLessThanOrEqual(1e-5);
      }
    }, 240_000);
  });
}
