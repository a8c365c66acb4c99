/**
 * The encoder worker end to end, in Debian Chromium: RGBA frames -> comlink -> encoder worker ->
 * ffmpeg.wasm (nested worker, self-hosted core) or WebCodecs + mediabunny -> MP4 / WebM / GIF /
 * PNG zip -> mediabunny demux + WebCodecs decode (ImageDecoder for GIF, createImageBitmap for PNGs).
 * Driven through window.__musevTest on e2e/harness.html (src/video/testHooks.ts).
 * Encode times per frame are printed as `[encoder] ...` lines (reported, never asserted).
 */
import { writeFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import type { VideoTestHooks } from '../src/video/testHooks';

const HARNESS = '/e2e/harness.html';

async function openHarness(page: Page, requests: string[]): Promise<void> {
  page.on('request', (r) => requests.push(r.url()));
  page.on('response', (r) => {
    if (r.status() >= 400) console.log(`[http ${r.status()}] ${r.url()}`);
  });
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') console.log(`[browser ${m.type()}] ${m.text()}`);
  });
  page.on('pageerror', (e) => console.log(`[pageerror] ${e.message}`));
  await page.goto(HARNESS);
  // Without the harness page (dist/ built by plain `vite build`), preview serves the app instead.
  expect(await page.title(), 'dist/ has no e2e/harness.html: build with `node e2e/run.mjs`').toContain('e2e harness');
  await page.waitForFunction(() => (window as { __musevTest?: VideoTestHooks }).__musevTest !== undefined, undefined, {
    timeout: 60_000,
  });
}

/** Top-level MP4 box types in file order, e.g. ['ftyp', 'moov', 'free', 'mdat']. */
function topLevelBoxes(bytes: Uint8Array): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const types: string[] = [];
  for (let at = 0; at + 8 <= bytes.byteLength; ) {
    let size = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (size === 1) size = Number(view.getBigUint64(at + 8));
    if (size === 0) size = bytes.byteLength - at;
    if (size < 8) break;
    types.push(type);
    at += size;
  }
  return types;
}

test('encodes 11 synthetic 128x64 frames at 7 fps to an H.264 MP4 whose 11 frames decode', async ({ page }, testInfo) => {
  const requests: string[] = [];
  await openHarness(page, requests);

  const run = await page.evaluate(async () => {
    const hooks = (window as { __musevTest?: VideoTestHooks }).__musevTest!;
    const width = 128;
    const height = 64;
    const count = 11;
    const fps = 7;
    // A colour gradient that differs per frame: red across x, green down y, blue and a white
    // vertical bar moving with the frame index.
    const frames: Uint8ClampedArray[] = [];
    for (let k = 0; k < count; k++) {
      const f = new Uint8ClampedArray(width * height * 4);
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const i = (y * width + x) * 4;
          const bar = Math.abs(x - k * 11) < 4;
          f[i] = bar ? 255 : x * 2;
          f[i + 1] = bar ? 255 : y * 4;
          f[i + 2] = bar ? 255 : k * 23;
          f[i + 3] = 255;
        }
      }
      frames.push(f);
    }
    const events: Array<{ frame: number; frames: number }> = [];
    const t0 = performance.now();
    const result = await hooks.encodeMp4({ frames, width, height, fps }, (e) => {
      if (e.type === 'encode') events.push({ frame: e.frame, frames: e.frames });
    });
    const wallMs = performance.now() - t0;
    const info = await hooks.inspectMp4(result.mp4);
    // A second run reuses the loaded core: this is the steady-state encode time.
    const again = await hooks.encodeMp4({ frames: frames.map(() => new Uint8ClampedArray(width * height * 4)), width, height, fps });
    return {
      info,
      ms: result.ms,
      wallMs,
      secondMs: again.ms,
      mimeType: result.mimeType,
      mp4: Array.from(result.mp4),
      events,
      framesDetached: frames[0].byteLength === 0,
    };
  });

  const mp4 = Uint8Array.from(run.mp4);
  writeFileSync(testInfo.outputPath('encoder-11f-7fps-128x64.mp4'), mp4);
  const figures = `first encode ${run.ms.toFixed(0)} ms (wall ${run.wallMs.toFixed(0)} ms, incl. worker + ffmpeg core load), second ${run.secondMs.toFixed(0)} ms; MP4 ${mp4.byteLength} bytes; ${run.info.codecString}`;
  console.log(`[encoder] ${figures}`);
  testInfo.annotations.push({ type: 'encode', description: figures });

  expect(run.info).toMatchObject({
    frameCount: 11,
    packetCount: 11,
    fps: 7,
    width: 128,
    height: 64,
    codec: 'avc',
    container: 'MP4',
  });
  expect(run.info.codecString).toMatch(/^avc1\./);
  expect(run.mimeType).toBe('video/mp4');
  expect(run.framesDetached).toBe(true); // the client transferred the buffers

  // +faststart: the index (moov) comes before the media data (mdat).
  const boxes = topLevelBoxes(mp4);
  expect(boxes[0]).toBe('ftyp');
  expect(boxes.indexOf('moov')).toBeGreaterThan(-1);
  expect(boxes.indexOf('moov')).toBeLessThan(boxes.indexOf('mdat'));

  // Progress: starts at 0, never goes back, ends at 11 of 11.
  expect(run.events[0]).toEqual({ frame: 0, frames: 11 });
  expect(run.events.at(-1)).toEqual({ frame: 11, frames: 11 });
  const frameNumbers = run.events.map((e) => e.frame);
  expect(frameNumbers).toEqual([...frameNumbers].sort((a, b) => a - b));

  // Self-hosted: every request stayed on our origin (no CDN), and the core came from our assets.
  const origin = new URL(page.url()).origin;
  // Request events of the nested ffmpeg worker can reach Playwright after the encode returns: poll.
  await expect.poll(() => requests.some((u) => /\/assets\/ffmpeg-core-[\w-]+\.wasm$/.test(u))).toBe(true);
  expect(requests.filter((u) => !u.startsWith(origin) && !u.startsWith('blob:') && !u.startsWith('data:'))).toEqual([]);
});

test('a bad request fails with code bad-input across the worker boundary, and the worker still encodes', async ({ page }) => {
  await openHarness(page, []);
  const outcome = await page.evaluate(async () => {
    const hooks = (window as { __musevTest?: VideoTestHooks }).__musevTest!;
    let error: unknown = null;
    try {
      await hooks.encodeMp4({ frames: [new Uint8ClampedArray(63 * 64 * 4)], width: 63, height: 64, fps: 7 });
    } catch (e) {
      error = e;
    }
    const ok = await hooks.encodeMp4({ frames: [new Uint8ClampedArray(64 * 64 * 4)], width: 64, height: 64, fps: 7 });
    const info = await hooks.inspectMp4(ok.mp4);
    return { error: JSON.parse(JSON.stringify(error)) as { code?: string; message?: string }, frames: info.frameCount };
  });
  expect(outcome.error.code).toBe('bad-input');
  expect(outcome.error.message).toMatch(/even/);
  expect(outcome.frames).toBe(1);
});

/** What one encode made, as the page saw it (bytes stay in the page; the info comes back). */
interface EncodeRun {
  format: string;
  asked: string;
  encoder: string;
  codec: string;
  reason: string;
  mimeType: string;
  extension: string;
  bytes: number;
  /** Worker-side encode time of the first and the second (warm) run. */
  ms: [number, number];
  info: { frameCount: number | null; packetCount?: number; fps: number | null; width: number; height: number; codec?: string | null; container?: string };
}

const W = 256;
const H = 128;
const COUNT = 24;
const FPS = 7;

/** Encodes the same synthetic frames with every (format, encoder) pair asked, twice each, and inspects the first output. */
async function encodeAll(page: Page, jobs: Array<[string, string]>): Promise<{ support: { avc: string | null; vp9: string | null }; runs: EncodeRun[] }> {
  return page.evaluate(
    async ({ jobs, W, H, COUNT, FPS }) => {
      const hooks = (window as { __musevTest?: VideoTestHooks }).__musevTest!;
      const frames = () =>
        Array.from({ length: COUNT }, (_, k) => {
          const f = new Uint8ClampedArray(W * H * 4);
          for (let i = 0; i < W * H; i++) {
            const x = i % W;
            const y = Math.floor(i / W);
            const bar = Math.abs(x - k * 10) < 5;
            f.set(bar ? [255, 255, 255, 255] : [x, y * 2, k * 10, 255], i * 4);
          }
          return f;
        });
      const support = await hooks.probeWebCodecs(W, H, FPS);
      const runs: EncodeRun[] = [];
      for (const [format, asked] of jobs) {
        const request = { width: W, height: H, fps: FPS, format: format as 'mp4', encoder: asked as 'auto' };
        const first = await hooks.encode({ ...request, frames: frames() });
        const second = await hooks.encode({ ...request, frames: frames() });
        const info =
          format === 'gif' ? await hooks.inspectGif(first.bytes) : format === 'png-zip' ? await hooks.inspectPngZip(first.bytes) : await hooks.inspectMp4(first.bytes);
        runs.push({
          format, asked, encoder: first.encoder, codec: first.codec, reason: first.reason, mimeType: first.mimeType,
          extension: first.extension, bytes: first.bytes.byteLength, ms: [first.ms, second.ms], info,
        });
      }
      return { support, runs };
    },
    { jobs, W, H, COUNT, FPS },
  );
}

function logRuns(runs: EncodeRun[]): void {
  for (const r of runs) {
    const perFrame = r.ms.map((ms) => (ms / COUNT).toFixed(1)).join(' / ');
    console.log(
      `[encoder] ${r.format} ${r.encoder} ${r.codec}: ${COUNT} frames ${W}x${H} @ ${FPS} fps, ${r.bytes} bytes; ` +
        `encode ${r.ms.map((ms) => ms.toFixed(0)).join(' / ')} ms (first / warm) = ${perFrame} ms per frame`,
    );
    console.log(`[encoder]   ${JSON.stringify(r.info)}`);
  }
}

test('WebCodecs and ffmpeg.wasm give the same frame count, fps and size in MP4 and WebM', async ({ page }) => {
  await openHarness(page, []);
  const { support, runs } = await encodeAll(page, [['mp4', 'webcodecs'], ['mp4', 'ffmpeg'], ['webm', 'webcodecs'], ['webm', 'ffmpeg'], ['mp4', 'auto']]);
  console.log(`[encoder] this Chromium's WebCodecs encodes: H.264 ${support.avc ?? 'no'}, VP9 ${support.vp9 ?? 'no'}`);
  logRuns(runs);
  expect(support.avc ?? support.vp9, 'WebCodecs encodes neither H.264 nor VP9 here').not.toBeNull();

  const by = (format: string, asked: string) => runs.find((r) => r.format === format && r.asked === asked)!;
  const shape = (r: EncodeRun) => ({ frameCount: r.info.frameCount, packetCount: r.info.packetCount, fps: r.info.fps, width: r.info.width, height: r.info.height });
  const expected = { frameCount: COUNT, packetCount: COUNT, width: W, height: H };
  for (const format of ['mp4', 'webm']) {
    const wc = by(format, 'webcodecs');
    const ff = by(format, 'ffmpeg');
    expect(ff.encoder).toBe('ffmpeg');
    expect(wc.encoder).toBe('webcodecs');
    expect(shape(ff)).toMatchObject(expected);
    // MP4 stores 1/7 s exactly (fps 7); WebM counts milliseconds (24 frames -> 3.429 s -> 6.999 fps), in both encoders alike.
    expect(ff.info.fps).toBeCloseTo(FPS, 2);
    expect(shape(wc)).toEqual(shape(ff));
    expect(wc.mimeType).toBe(ff.mimeType);
  }
  expect(by('mp4', 'webcodecs').info).toMatchObject({ codec: 'avc', container: 'MP4' });
  expect(by('mp4', 'ffmpeg').info).toMatchObject({ codec: 'avc', container: 'MP4' });
  expect(by('webm', 'webcodecs').info).toMatchObject({ codec: 'vp9', container: 'WebM' });
  expect(by('webm', 'ffmpeg').info).toMatchObject({ codec: 'vp8', container: 'WebM' });
  // auto picks the fast path when the browser has it, and says so
  expect(by('mp4', 'auto')).toMatchObject({ encoder: 'webcodecs', codec: support.avc });
  expect(by('mp4', 'auto').reason).toMatch(/^auto: this browser encodes H\.264/);
});

test('GIF and PNG frames (ffmpeg.wasm) keep the frame count and size; WebCodecs for GIF is refused as bad-input', async ({ page }) => {
  await openHarness(page, []);
  const { runs } = await encodeAll(page, [['gif', 'auto'], ['png-zip', 'auto']]);
  logRuns(runs);
  const gif = runs[0];
  const zip = runs[1];
  expect(gif).toMatchObject({ encoder: 'ffmpeg', codec: 'gif', mimeType: 'image/gif', extension: 'gif' });
  expect(gif.info).toMatchObject({ frameCount: COUNT, width: W, height: H });
  expect(gif.info.fps).toBeCloseTo(100 / Math.round(100 / FPS), 2); // GIF delays are in 1/100 s
  expect(zip).toMatchObject({ encoder: 'ffmpeg', codec: 'png', mimeType: 'application/zip', extension: 'zip' });
  expect(zip.info).toMatchObject({ frameCount: COUNT, width: W, height: H });

  const refused = await page.evaluate(async () => {
    const hooks = (window as { __musevTest?: VideoTestHooks }).__musevTest!;
    try {
      await hooks.encode({ frames: [new Uint8ClampedArray(64 * 64 * 4)], width: 64, height: 64, fps: 8, format: 'gif', encoder: 'webcodecs' });
      return null;
    } catch (e) {
      return JSON.parse(JSON.stringify(e)) as { code?: string; message?: string };
    }
  });
  expect(refused?.code).toBe('bad-input');
  expect(refused?.message).toMatch(/Choose Auto or ffmpeg/);
});
