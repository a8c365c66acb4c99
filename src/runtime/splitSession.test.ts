import { describe, expect, it } from 'vitest';
import type { TensorSpec } from '../packs/manifest';
import type { OrtSession, OrtTensor } from './ortTypes';
import { chainSessions } from './splitSession';

/** A tensor holding one number; records its disposal. */
class FakeTensor {
  disposed = 0;
  constructor(
    readonly name: string,
    readonly value: number,
  ) {}
  dispose() {
    this.disposed++;
  }
}
const tensor = (name: string, value: number) => new FakeTensor(name, value) as unknown as OrtTensor;
const fake = (t: OrtTensor) => t as unknown as FakeTensor;

/** A part session: each output = sum of its inputs + offset; logs its calls. */
function part(inputNames: string[], outputNames: string[], log: string[], fail = false): OrtSession & { made: FakeTensor[]; released: boolean } {
  const s = {
    inputNames,
    outputNames,
    made: [] as FakeTensor[],
    released: false,
    async run(feeds: Record<string, OrtTensor>) {
      log.push(`run ${outputNames.join(',')} <- ${Object.keys(feeds).sort().join(',')}`);
      for (const [n, t] of Object.entries(feeds)) if (fake(t).disposed) throw new Error(`fed a disposed tensor ${n}`);
      if (fail) throw new Error('out of memory');
      const sum = Object.values(feeds).reduce((a, t) => a + fake(t).value, 0);
      const out: Record<string, OrtTensor> = {};
      outputNames.forEach((n, k) => {
        const t = new FakeTensor(n, sum + k + 1);
        s.made.push(t);
        out[n] = t as unknown as OrtTensor;
      });
      return out;
    },
    async release() {
      s.released = true;
    },
  };
  return s as unknown as OrtSession & { made: FakeTensor[]; released: boolean };
}

const spec = (...names: string[]): TensorSpec[] => names.map((name) => ({ name, dtype: 'float32', shape: ['batch'] }));

describe('chainSessions (a split graph as one session)', () => {
  // a -> part0 -> h, skip, dead;  h, b -> part1 -> g;  g, skip -> part2 -> y
  const build = (log: string[], failAt = -1) => {
    const parts = [
      part(['a'], ['h', 'skip', 'dead'], log, failAt === 0),
      part(['h', 'b'], ['g'], log, failAt === 1),
      part(['g', 'skip'], ['y'], log, failAt === 2),
    ];
    return { parts, session: chainSessions('unet', parts, spec('a', 'b', 'unused'), spec('y')) };
  };

  it('feeds each part from the feeds and earlier outputs, returns only the graph outputs', async () => {
    const log: string[] = [];
    const { parts, session } = build(log);
    expect(session.inputNames).toEqual(['a', 'b', 'unused']);
    expect(session.outputNames).toEqual(['y']);
    expect(session.inputMetadata[0]).toEqual({ name: 'a', isTensor: true, type: 'float32', shape: ['batch'] });
    const feeds = { a: tensor('a', 1), b: tensor('b', 10), unused: tensor('unused', 100) };
    const out = await session.run(feeds);
    expect(Object.keys(out)).toEqual(['y']);
    // h = 1+1, skip = 1+2, g = h + b + 1 = 13, y = g + skip + 1 = 17
    expect(fake(out.y).value).toBe(17);
    expect(log).toEqual(['run h,skip,dead <- a', 'run g <- b,h', 'run y <- g,skip']);
    // intermediates disposed once each, the output and the caller's feeds not at all
    const [p0, p1] = parts as unknown as { made: FakeTensor[] }[];
    expect(p0.made.map((t) => t.disposed)).toEqual([1, 1, 1]);
    expect(p1.made.map((t) => t.disposed)).toEqual([1]);
    expect(fake(out.y).disposed).toBe(0);
    expect(Object.values(feeds).map((t) => fake(t).disposed)).toEqual([0, 0, 0]);
  });

  it('names a missing input before running any part', async () => {
    const log: string[] = [];
    const { session } = build(log);
    await expect(session.run({ a: tensor('a', 1) })).rejects.toThrow('unet: input "b" missing in feeds');
    expect(log).toEqual([]);
  });

  it('disposes what it holds when a part fails, and releases every part', async () => {
    const log: string[] = [];
    const { parts, session } = build(log, 2);
    await expect(session.run({ a: tensor('a', 1), b: tensor('b', 2) })).rejects.toThrow('out of memory');
    const made = (parts as unknown as { made: FakeTensor[] }[]).flatMap((p) => p.made);
    expect(made.map((t) => [t.name, t.disposed])).toEqual([['h', 1], ['skip', 1], ['dead', 1], ['g', 1]]);
    await session.release();
    expect(parts.every((p) => (p as unknown as { released: boolean }).released)).toBe(true);
  });

  it('refuses parts that do not chain, and run options it cannot honour', async () => {
    const log: string[] = [];
    expect(() => chainSessions('unet', [part(['a'], ['h'], log), part(['x'], ['y'], log)], spec('a'), spec('y'))).toThrow(
      'unet: part 1 reads "x", which is neither a graph input nor made by an earlier part',
    );
    expect(() => chainSessions('unet', [part(['a'], ['h'], log)], spec('a'), spec('y'))).toThrow('unet: no part makes the graph output "y"');
    const { session } = build(log);
    await expect(session.run({ a: tensor('a', 1), b: tensor('b', 2) }, ['y'])).rejects.toThrow('feeds only');
  });
});
