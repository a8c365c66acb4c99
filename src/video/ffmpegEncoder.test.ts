import { describe, expect, it } from 'vitest';
import type { EncodeRequest } from '../rpc/encoderApi';
import { AppErrorException } from '../rpc/errors';
import type { ProgressEvent } from '../rpc/progress';
import { createFfmpegEncoder, type FfmpegBackend } from './ffmpegEncoder';
import { unzipStore } from './zip';

/** An in-memory stand-in for ffmpeg.wasm: records calls, "encodes" by writing a fixed file. */
class FakeFfmpeg implements FfmpegBackend {
  files = new Map<string, Uint8Array>();
  execs: string[][] = [];
  terminated = false;
  exitCode = 0;
  crash: Error | null = null;
  private logs = new Set<(m: string) => void>();
  private progresses = new Set<(t: number) => void>();

  onLog(l: (m: string) => void) {
    this.logs.add(l);
    return () => this.logs.delete(l);
  }
  onProgress(l: (t: number) => void) {
    this.progresses.add(l);
    return () => this.progresses.delete(l);
  }
  async writeFile(path: string, data: Uint8Array) {
    this.files.set(path, data.slice());
  }
  async readFile(path: string) {
    const f = this.files.get(path);
    if (!f) throw new Error(`ENOENT ${path}`);
    return f;
  }
  async deleteFile(path: string) {
    if (!this.files.delete(path)) throw new Error(`ENOENT ${path}`);
  }
  async exec(args: string[]) {
    this.execs.push(args);
    if (this.crash) throw this.crash;
    this.logs.forEach((l) => l('frame=    2 fps=0.0 q=0.0 size=       0kB'));
    this.progresses.forEach((p) => p(3 * 1e6 / 7)); // 3 frames at 7 fps
    this.logs.forEach((l) => l('[libx264 @ 0x1] some error text'));
    if (this.exitCode !== 0) return this.exitCode;
    const out = args[args.length - 1];
    const pattern = /^(.*)%0(\d)d\.png$/.exec(out);
    if (pattern) {
      // image2: one numbered PNG per input frame
      const [w, h] = args[args.indexOf('-s') + 1].split('x').map(Number);
      const frames = this.files.get(args[args.indexOf('-i') + 1])!.byteLength / (w * h * 4);
      for (let i = 1; i <= frames; i++) this.files.set(`${pattern[1]}${String(i).padStart(Number(pattern[2]), '0')}.png`, new Uint8Array([137, 80, 78, 71, i]));
      return 0;
    }
    this.files.set(out, new Uint8Array([0, 0, 0, 24, 102, 116, 121, 112]));
    return 0;
  }
  terminate() {
    this.terminated = true;
  }
}

function request(frames = 4, width = 4, height = 2, fps = 7): EncodeRequest {
  return {
    frames: Array.from({ length: frames }, (_, k) => new Uint8ClampedArray(width * height * 4).fill(k)),
    width,
    height,
    fps,
  };
}

function setup() {
  const fakes: FakeFfmpeg[] = [];
  const encoder = createFfmpegEncoder({
    createBackend: async () => {
      const f = new FakeFfmpeg();
      fakes.push(f);
      return f;
    },
  });
  const events: ProgressEvent[] = [];
  return { fakes, encoder, events, onProgress: (e: ProgressEvent) => events.push(e) };
}

async function rejection(p: Promise<unknown>): Promise<AppErrorException> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppErrorException);
  return e as AppErrorException;
}

describe('createFfmpegEncoder', () => {
  it('writes the concatenated frames, runs the H.264 args, returns the MP4 and cleans the FS', async () => {
    const { fakes, encoder, events, onProgress } = setup();
    const result = await encoder.encodeMp4(request(), onProgress);
    expect(result.mimeType).toBe('video/mp4');
    expect(Array.from(result.mp4.slice(4, 8))).toEqual([102, 116, 121, 112]); // 'ftyp'
    expect(result.ms).toBeGreaterThanOrEqual(0);
    const [fake] = fakes;
    const args = fake.execs[0];
    expect(args).toContain('libx264');
    expect(args[args.indexOf('-s') + 1]).toBe('4x2');
    expect(fake.files.size).toBe(0); // input and output deleted
    expect(events).toEqual([
      { type: 'encode', frame: 0, frames: 4 },
      { type: 'encode', frame: 2, frames: 4 },
      { type: 'encode', frame: 3, frames: 4 },
      { type: 'encode', frame: 4, frames: 4 },
    ]);
  });

  it('WebM is VP8 and GIF uses a palette; each with its own mime type and extension', async () => {
    const { fakes, encoder, onProgress } = setup();
    const webm = await encoder.encodeFormat(request(), 'webm', onProgress);
    expect(webm).toMatchObject({ mimeType: 'video/webm', extension: 'webm', codec: 'libvpx' });
    const gif = await encoder.encodeFormat(request(), 'gif', onProgress);
    expect(gif).toMatchObject({ mimeType: 'image/gif', extension: 'gif', codec: 'gif' });
    expect(fakes[0].execs[0]).toContain('libvpx');
    expect(fakes[0].execs[1].join(' ')).toMatch(/palettegen.*paletteuse/);
    expect(fakes[0].files.size).toBe(0);
  });

  it('PNG frames: reads every numbered PNG, zips them in order as frame-0001.png .., deletes them', async () => {
    const { fakes, encoder, events, onProgress } = setup();
    const out = await encoder.encodeFormat(request(5), 'png-zip', onProgress);
    expect(out).toMatchObject({ mimeType: 'application/zip', extension: 'zip', codec: 'png' });
    const entries = unzipStore(out.bytes);
    expect(entries.map((e) => e.name)).toEqual(['frame-0001.png', 'frame-0002.png', 'frame-0003.png', 'frame-0004.png', 'frame-0005.png']);
    expect(entries.map((e) => e.data[4])).toEqual([1, 2, 3, 4, 5]);
    expect(fakes[0].files.size).toBe(0);
    expect(events.at(-1)).toEqual({ type: 'encode', frame: 5, frames: 5 });
  });

  it('loads ffmpeg once and reuses it; files get a fresh name per run', async () => {
    const { fakes, encoder, onProgress } = setup();
    await encoder.encodeMp4(request(), onProgress);
    await encoder.encodeMp4(request(), onProgress);
    expect(fakes).toHaveLength(1);
    const inputs = fakes[0].execs.map((a) => a[a.indexOf('-i') + 1]);
    expect(new Set(inputs).size).toBe(2);
  });

  it('queues concurrent runs (ffmpeg runs one command at a time)', async () => {
    const { fakes, encoder, onProgress } = setup();
    const results = await Promise.all([
      encoder.encodeMp4(request(2), onProgress),
      encoder.encodeMp4(request(3), onProgress),
    ]);
    expect(results).toHaveLength(2);
    expect(fakes[0].execs).toHaveLength(2);
  });

  it('rejects bad requests as bad-input before loading ffmpeg', async () => {
    const { fakes, encoder, onProgress } = setup();
    const odd = await rejection(encoder.encodeMp4(request(2, 5, 2), onProgress));
    expect(odd.appError.code).toBe('bad-input');
    expect(odd.appError.message).toMatch(/even/);
    const short = { ...request(2), frames: [new Uint8ClampedArray(3)] };
    expect((await rejection(encoder.encodeMp4(short, onProgress))).appError.code).toBe('bad-input');
    expect((await rejection(encoder.encodeMp4(request(0), onProgress))).appError.code).toBe('bad-input');
    expect(fakes).toHaveLength(0);
  });

  it('maps a non-zero exit code to encode-failed with the log tail, and cleans up', async () => {
    const { fakes, encoder, onProgress } = setup();
    await encoder.encodeMp4(request(), onProgress); // load
    fakes[0].exitCode = 1;
    const e = await rejection(encoder.encodeMp4(request(), onProgress));
    expect(e.appError.code).toBe('encode-failed');
    expect(e.appError.message).toMatch(/exit code 1.*Export again/);
    expect(e.appError.detail).toMatch(/some error text/);
    expect(fakes[0].files.size).toBe(0);
    fakes[0].exitCode = 0;
    await expect(encoder.encodeMp4(request(), onProgress)).resolves.toBeDefined(); // still usable
  });

  it('after a crash inside ffmpeg, terminates it and loads a fresh one next time', async () => {
    const { fakes, encoder, onProgress } = setup();
    await encoder.encodeMp4(request(), onProgress);
    fakes[0].crash = new Error('RuntimeError: Aborted(OOM)');
    const e = await rejection(encoder.encodeMp4(request(), onProgress));
    expect(e.appError.code).toBe('encode-failed');
    expect(e.appError.message).toMatch(/out of memory/);
    await Promise.resolve();
    expect(fakes[0].terminated).toBe(true);
    await encoder.encodeMp4(request(), onProgress);
    expect(fakes).toHaveLength(2);
  });

  it('reports a load failure as encode-failed and retries the load next time', async () => {
    let attempts = 0;
    const encoder = createFfmpegEncoder({
      createBackend: async () => {
        attempts++;
        if (attempts === 1) throw new Error('failed to fetch ffmpeg-core.wasm');
        return new FakeFfmpeg();
      },
    });
    const e = await rejection(encoder.encodeMp4(request(), () => undefined));
    expect(e.appError.code).toBe('encode-failed');
    expect(e.appError.message).toMatch(/could not start.*Reload/);
    expect(e.appError.detail).toMatch(/ffmpeg-core.wasm/);
    await expect(encoder.encodeMp4(request(), () => undefined)).resolves.toBeDefined();
    expect(attempts).toBe(2);
  });
});
