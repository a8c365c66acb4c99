/**
 * Sessions are created once per pack and reused across generations; every generate result carries
 * the run counters a benchmark reads (runCounters.ts). wasm in Node: nothing is read back from a GPU.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';
import { expect, it } from 'vitest';
import { createGeneratorService } from './generatorService';
import type { PackSource } from './packSource';

const packDir = fileURLToPath(new URL('../../public/packs/tiny-musev/', import.meta.url));
const source: PackSource = { label: packDir, readBytes: async (p) => new Uint8Array(await readFile(packDir + p)) };
ort.env.wasm.numThreads = 1;

it('two generations on one loaded pack create no session; the result carries the run counters', async () => {
  let created = 0;
  const counting = { ...ort, InferenceSession: { create: (...a: Parameters<typeof ort.InferenceSession.create>) => (created++, ort.InferenceSession.create(...a)) } } as typeof ort;
  const svc = createGeneratorService({ ort: counting, sourceFor: () => source });
  await svc.loadPack('file:///packs/tiny-musev/manifest.json', {}, () => {});
  const atLoad = created;
  expect(atLoad).toBeGreaterThanOrEqual(4);
  const W = 64, H = 64;
  const r = {
    image: { width: W, height: H, rgba: new Uint8ClampedArray(W * H * 4).fill(90) }, prompt: 'a girl', negativePrompt: '', width: W, height: H,
    frames: 3, contextFrames: 2, contextOverlap: 1, steps: 1, guidanceScale: 2, seed: 1, fps: 8, motionSpeed: 8, wIndNoise: 0.5, imgWeight: 0.001,
    unetPlan: { windowsPerCall: 1, cfgTogether: true },
  };
  const a = await svc.generate(r, () => {});
  await svc.loadPack('file:///packs/tiny-musev/manifest.json', {}, () => {}); // the same pack again: kept
  const b = await svc.generate({ ...r, seed: 2 }, () => {});
  expect(created).toBe(atLoad);
  for (const t of [a.timings, b.timings]) {
    expect(t.counters).toMatchObject({ sessionsCreated: 0, sessionsRecreated: 0, bytesReadBack: 0, unetRuns: 2 }); // 2 windows x 1 step
    expect(t.counters!.unetRunMs).toBeGreaterThan(0);
  }
  await svc.dispose();
}, 240_000);
