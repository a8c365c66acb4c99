/**
 * readBackMs is wall time with at least one read-back pending (the union of the getData() waits),
 * not the sum of the waits: overlapping fake read-backs on a controlled clock.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { countedSession, newRunCounters, readLatents, timedReadBack } from './runCounters';
import type { OrtSession, OrtTensor } from './ortTypes';

let now = 0;
beforeEach(() => {
  now = 0;
  vi.spyOn(performance, 'now').mockImplementation(() => now);
});
afterEach(() => vi.restoreAllMocks());

/** A read-back that resolves (or fails) when the test says so. */
function deferred() {
  let resolve!: (v: Float32Array) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<Float32Array>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve: () => resolve(new Float32Array(4)), reject };
}

/** A 'gpu-buffer' output of 4 float32 whose getData() is the given read-back. */
const gpuTensor = (read: () => Promise<Float32Array>) => ({ location: 'gpu-buffer', type: 'float32', size: 4, dims: [4], getData: read }) as unknown as OrtTensor;

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('readBackMs', () => {
  it('counts overlapping read-backs of session outputs once (union of the waits, not their sum)', async () => {
    const c = newRunCounters();
    const a = deferred();
    const b = deferred();
    const d = deferred();
    const fake = { run: async () => ({ x: gpuTensor(() => a.promise), y: gpuTensor(() => b.promise), z: gpuTensor(() => d.promise) }), release: async () => {} } as unknown as OrtSession;
    const session = countedSession(fake, { counters: c, gpu: true, kind: 'unet' });
    const out = await session.run({});

    // Waits [0, 30] and [10, 50] overlap; [100, 120] comes later: union 50 + 20 = 70 ms, sum 90 ms.
    now = 0;
    const readA = out.x.getData();
    now = 10;
    const readB = out.y.getData();
    now = 30;
    a.resolve();
    await readA;
    expect(c.readBackMs).toBe(0); // B still pending: the interval is still open
    now = 50;
    b.resolve();
    await readB;
    expect(c.readBackMs).toBe(50);
    now = 100;
    const readD = out.z.getData();
    now = 120;
    d.resolve();
    await readD;
    expect(c.readBackMs).toBe(70);
    expect(c.bytesReadBack).toBe(48);
    expect(c.unetBytesReadBack).toBe(48);
  });

  it('a latents read-back overlapping an output read-back, and a failed read, close the interval', async () => {
    const c = newRunCounters();
    const latents = deferred();
    const output = deferred();
    now = 5;
    const readL = readLatents(gpuTensor(() => latents.promise), c);
    now = 15;
    const readO = timedReadBack(c, () => output.promise);
    now = 25;
    output.reject(new Error('device lost'));
    await expect(readO).rejects.toThrow('device lost');
    now = 45;
    latents.resolve();
    await readL;
    expect(c.readBackMs).toBe(40); // [5, 45] ∪ [15, 25]; the sum would be 50
    expect(c.latentBytesReadBack).toBe(16);

    // Nothing pending any more: the next read opens a new interval.
    now = 100;
    const later = deferred();
    const readLater = timedReadBack(c, () => later.promise);
    await settle();
    now = 103;
    later.resolve();
    await readLater;
    expect(c.readBackMs).toBe(43);
  });

  it('separate counters objects keep separate intervals', async () => {
    const [c1, c2] = [newRunCounters(), newRunCounters()];
    const r1 = deferred();
    const r2 = deferred();
    now = 0;
    const p1 = timedReadBack(c1, () => r1.promise);
    now = 10;
    const p2 = timedReadBack(c2, () => r2.promise);
    now = 20;
    r1.resolve();
    await p1;
    now = 40;
    r2.resolve();
    await p2;
    expect([c1.readBackMs, c2.readBackMs]).toEqual([20, 30]);
  });
});
