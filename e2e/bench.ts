/**
 * Benchmark page (e2e/bench.html, built with the e2e config): runs the real generator and encoder
 * workers on one pack and one backend, and leaves the figures in `window.__bench` for
 * scripts/bench.mjs. Query: ?pack=<manifest URL>&backend=wasm|webgpu&size=128&frames=12&context=4&overlap=2&steps=3
 *
 * Scenarios, each a full generation (same seed):
 *   one-window   MuseV's one context window per UNet call (request.unetPlan = 1, halves together)
 *   batched      every same-length window in one UNet call
 *   planned      whatever the memory planner chooses for this adapter (on WebGPU: the GPU-resident loop)
 *   read-back    (WebGPU only) planned, but the CPU loop that reads every UNet output back
 * then the frames of the last run encoded with WebCodecs and with ffmpeg.wasm.
 */
import { createEncoderClient } from '../src/clients/encoderClient';
import { createGeneratorClient } from '../src/clients/generatorClient';
import type { GenerateRequest } from '../src/rpc/generatorApi';
import type { ProgressEvent } from '../src/rpc/progress';

interface Scenario {
  name: string;
  totalMs: number;
  stagesMs: Record<string, number>;
  msPerStep: number;
  unetCallsPerStep: number;
  msPerUnetCall: number;
  windowsPerCall: number;
  cfgTogether: boolean;
  plan?: unknown;
  timings: unknown;
}

const q = new URLSearchParams(location.search);
const num = (k: string, d: number) => Number(q.get(k) ?? d);
const size = num('size', 128);

function gradient(n: number): Uint8ClampedArray {
  const rgba = new Uint8ClampedArray(n * n * 4);
  for (let p = 0; p < n * n; p++) rgba.set([(p * 7) % 256, ((p / n) * 3) % 256, (p % n) * 2, 255], p * 4);
  return rgba;
}

function request(unetPlan?: GenerateRequest['unetPlan'], residentLoop?: boolean): GenerateRequest {
  return {
    image: { width: size, height: size, rgba: gradient(size) },
    prompt: 'a portrait, best quality',
    negativePrompt: 'worst quality',
    width: size,
    height: size,
    frames: num('frames', 12),
    contextFrames: num('context', 4),
    contextOverlap: num('overlap', 2),
    steps: num('steps', 3),
    guidanceScale: 3.5,
    seed: 1234,
    fps: 8,
    motionSpeed: 8,
    wIndNoise: 0.5,
    imgWeight: 0.001,
    unetPlan,
    residentLoop,
  };
}

/** Wall time between consecutive stage events (the last stage ends when generate returns). */
function stageDurations(events: { at: number; e: ProgressEvent }[], end: number): Record<string, number> {
  const stages = events.filter((x) => x.e.type === 'stage');
  const out: Record<string, number> = {};
  stages.forEach((s, i) => {
    const stage = (s.e as Extract<ProgressEvent, { type: 'stage' }>).stage;
    out[stage] = (out[stage] ?? 0) + ((stages[i + 1]?.at ?? end) - s.at);
  });
  return out;
}

async function run(): Promise<unknown> {
  const packUrl = q.get('pack') ?? '/packs/tiny-musev/manifest.json';
  const backend = (q.get('backend') ?? 'wasm') as 'wasm' | 'webgpu';
  const gen = createGeneratorClient();
  const t0 = performance.now();
  const loaded = await gen.ensurePack(new URL(packUrl, location.href).href, { backend }, () => {});
  const loadMs = performance.now() - t0;
  const scenarios: Scenario[] = [];
  let frames: Uint8ClampedArray[] = [];
  const scenarioList: [string, GenerateRequest['unetPlan'], boolean | undefined][] = [
    ['one-window', { windowsPerCall: 1, cfgTogether: true }, undefined],
    ['batched', { windowsPerCall: 1000, cfgTogether: true }, undefined],
    ['planned', undefined, undefined],
  ];
  // On WebGPU the planned run keeps the loop on the GPU; the same run reading back every step compares.
  if (loaded.backend.backend === 'webgpu') scenarioList.push(['read-back', undefined, false]);
  for (const [name, plan, residentLoop] of scenarioList) {
    const events: { at: number; e: ProgressEvent }[] = [];
    console.log(`[bench] ${backend}: ${name} …`);
    const start = performance.now();
    const out = await gen.generate(request(plan, residentLoop), (e) => events.push({ at: performance.now(), e }));
    const end = performance.now();
    const steps = num('steps', 3);
    const callsPerStep = out.plan?.callsPerStep ?? 1;
    scenarios.push({
      name,
      totalMs: end - start,
      stagesMs: stageDurations(events, end),
      msPerStep: out.timings.msPerStep,
      unetCallsPerStep: callsPerStep,
      msPerUnetCall: out.timings.denoiseMs / (steps * callsPerStep),
      windowsPerCall: out.plan?.final.windowsPerCall ?? 1,
      cfgTogether: out.plan?.final.cfgTogether ?? true,
      plan: out.plan,
      timings: out.timings,
    });
    frames = out.frames;
  }
  console.log(`[bench] ${backend}: encoders …`);
  const encoders = [];
  for (const encoder of ['webcodecs', 'ffmpeg'] as const) {
    const enc = createEncoderClient();
    // warm-up (loads ffmpeg's core / creates the codec) outside the figures
    await enc.encode({ frames: frames.slice(0, 2).map((f) => f.slice()), width: size, height: size, fps: 8, format: 'mp4', encoder }, () => {}).catch(() => {});
    for (const format of ['mp4', 'webm'] as const) {
      const copy = frames.map((f) => f.slice());
      try {
        const start = performance.now();
        const r = await enc.encode({ frames: copy, width: size, height: size, fps: 8, format, encoder }, () => {});
        const ms = performance.now() - start;
        encoders.push({ encoder, format, used: r.encoder, codec: r.codec, ok: true, ms, workerMs: r.ms, msPerFrame: r.ms / frames.length, bytes: r.bytes.byteLength });
      } catch (e) {
        encoders.push({ encoder, format, ok: false, error: (e as { message?: string }).message ?? String(e) });
      }
    }
  }
  return { packUrl, backend: loaded.backend, pack: loaded.pack.name, loadMs, request: { ...request(), image: undefined }, frames: frames.length, scenarios, encoders };
}

declare global {
  interface Window {
    __bench?: { ok: true; result: unknown } | { ok: false; error: string };
  }
}

run().then(
  (result) => (window.__bench = { ok: true, result }),
  (e) => (window.__bench = { ok: false, error: (e as { message?: string }).message ?? String(e) }),
);
