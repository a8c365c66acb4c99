/**
 * The split-graph session (splitSession.ts) with fake part sessions: how parts are fed and chained,
 * when intermediates are disposed, and, through createGraphSession (sessions.ts) with a fake
 * onnxruntime, which part outputs are asked for on the GPU on WebGPU (the crossing tensors), that
 * the graph outputs stay on the CPU unless the caller's create asks for the GPU (the resident loop's
 * withOutputsOnGpu), that integer crossing tensors (shape values) stay on the CPU, that nothing
 * changes on wasm, and that a failed part is made anew; and the .onnx output-type reader.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { GraphPartSpec, SplitGraphSpec, TensorSpec } from '../packs/manifest';
import type { Ort, OrtSession, OrtTensor } from './ortTypes';
import { withOutputsOnGpu } from './residentPack';
import { createGraphSession, type VerifiedReader } from './sessions';
import { chainSessions, crossingOutputLocations, onnxOutputTypes } from './splitSession';

type Location = 'cpu' | 'gpu-buffer';

/** A tensor holding one number; records its disposal and any read back (getData). */
class FakeTensor {
  disposed = 0;
  reads = 0;
  constructor(
    readonly name: string,
    readonly value: number,
    readonly location: Location = 'cpu',
  ) {}
  dispose() {
    this.disposed++;
  }
  async getData() {
    this.reads++;
    return Float32Array.of(this.value);
  }
}
const tensor = (name: string, value: number) => new FakeTensor(name, value) as unknown as OrtTensor;
const fake = (t: OrtTensor) => t as unknown as FakeTensor;

type FakePart = OrtSession & { made: FakeTensor[]; released: boolean; fed: Record<string, Location>[] };

/**
 * A part session: each output = sum of its inputs + its index + 1, at the location `where` gives;
 * logs its calls and, at each run, which tensors made by any part are still alive (not disposed).
 */
function part(inputNames: string[], outputNames: string[], log: string[], o: { fail?: () => boolean; where?: (n: string) => Location; alive?: () => string[] } = {}): FakePart {
  const s = {
    inputNames,
    outputNames,
    made: [] as FakeTensor[],
    fed: [] as Record<string, Location>[],
    released: false,
    async run(feeds: Record<string, OrtTensor>) {
      log.push(`run ${outputNames.join(',')} <- ${Object.keys(feeds).sort().join(',')}${o.alive ? ` (alive: ${o.alive().join(',')})` : ''}`);
      for (const [n, t] of Object.entries(feeds)) if (fake(t).disposed) throw new Error(`fed a disposed tensor ${n}`);
      s.fed.push(Object.fromEntries(Object.entries(feeds).map(([n, t]) => [n, fake(t).location])));
      if (o.fail?.()) throw new Error('out of memory');
      const sum = Object.values(feeds).reduce((a, t) => a + fake(t).value, 0);
      const out: Record<string, OrtTensor> = {};
      outputNames.forEach((n, k) => {
        const t = new FakeTensor(n, sum + k + 1, o.where?.(n) ?? 'cpu');
        s.made.push(t);
        out[n] = t as unknown as OrtTensor;
      });
      return out;
    },
    async release() {
      s.released = true;
    },
  };
  return s as unknown as FakePart;
}

const spec = (...names: string[]): TensorSpec[] => names.map((name) => ({ name, dtype: 'float32', shape: ['batch'] }));

// a -> part0 -> h, skip, dead;  h, b -> part1 -> g;  g, skip -> part2 -> y
const PARTS: [string[], string[]][] = [
  [['a'], ['h', 'skip', 'dead']],
  [['h', 'b'], ['g']],
  [['g', 'skip'], ['y']],
];

describe('chainSessions (a split graph as one session)', () => {
  const build = (log: string[], failAt = -1) => {
    const all: FakeTensor[] = [];
    const alive = () => all.filter((t) => !t.disposed).map((t) => t.name);
    const parts = PARTS.map(([i, o], k) => part(i, o, log, { fail: () => failAt === k, alive }));
    const collect = parts.map((p) => {
      const run = p.run.bind(p);
      return Object.assign(p, {
        run: async (feeds: Record<string, OrtTensor>) => {
          const r = await run(feeds as never);
          all.push(...Object.values(r).map(fake));
          return r;
        },
      });
    });
    return { parts: collect, session: chainSessions('unet', collect, spec('a', 'b', 'unused'), spec('y')) };
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
    // the chain holds only what a later part still reads: dead goes at once, h after part 1
    expect(log).toEqual(['run h,skip,dead <- a (alive: )', 'run g <- b,h (alive: h,skip)', 'run y <- g,skip (alive: skip,g)']);
    // intermediates disposed once each, the output and the caller's feeds not at all
    expect(parts[0].made.map((t) => t.disposed)).toEqual([1, 1, 1]);
    expect(parts[1].made.map((t) => t.disposed)).toEqual([1]);
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
    const made = parts.flatMap((p) => p.made);
    expect(made.map((t) => [t.name, t.disposed])).toEqual([['h', 1], ['skip', 1], ['dead', 1], ['g', 1]]);
    await session.release();
    expect(parts.every((p) => p.released)).toBe(true);
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

  it('asks for the GPU only for float outputs that are not graph outputs', () => {
    expect(crossingOutputLocations(['h', 'skip', 'dead'], spec('y'))).toEqual({ h: 'gpu-buffer', skip: 'gpu-buffer', dead: 'gpu-buffer' });
    expect(crossingOutputLocations(['h', 'y'], spec('y'))).toEqual({ h: 'gpu-buffer' });
    expect(crossingOutputLocations(['y'], spec('y'))).toBeUndefined();
    // FLOAT16 on the GPU; INT64 / INT32 / BOOL shape values on the CPU; an unknown type counts as float
    const types = new Map([['h', 10], ['shape', 7], ['n', 6], ['mask', 9]]);
    expect(crossingOutputLocations(['h', 'shape', 'n', 'mask', 'x'], spec('y'), types)).toEqual({ h: 'gpu-buffer', x: 'gpu-buffer' });
    expect(crossingOutputLocations(['shape', 'y'], spec('y'), types)).toBeUndefined();
  });
});

// A minimal protobuf writer for ONNX ModelProtos: varint and length-delimited fields.
const varint = (v: number): number[] => (v < 128 ? [v] : [(v % 128) | 128, ...varint(Math.floor(v / 128))]);
const len = (no: number, payload: number[]) => [...varint(no * 8 + 2), ...varint(payload.length), ...payload];
const num = (no: number, v: number) => [...varint(no * 8), ...varint(v)];
const utf8 = (s: string) => [...new TextEncoder().encode(s)];
/** ModelProto { ir_version 8, graph { node, name, output: ValueInfoProto { name, type { tensor_type { elem_type, shape } } } } } */
function onnxModel(graphName: string, outputs: [string, number][]): Uint8Array {
  const valueInfo = (name: string, elem: number) => len(12, [...len(1, utf8(name)), ...len(2, len(1, [...num(1, elem), ...len(2, len(1, num(1, 4)))]))]);
  const node = len(1, [...len(1, utf8('x')), ...len(2, utf8('y')), ...len(4, utf8('Relu'))]);
  const graph = [...node, ...len(2, utf8(graphName)), ...outputs.flatMap(([n, e]) => valueInfo(n, e))];
  return Uint8Array.from([...num(1, 8), ...len(7, graph), ...len(8, [...len(1, []), ...num(2, 17)])]);
}

describe('onnxOutputTypes (graph output element types from the .onnx bytes)', () => {
  it('reads the types of a hand-written model and of the demo pack UNet', () => {
    const model = onnxModel('g', [['h', 1], ['/unet/Concat_output_0', 7], ['y'.repeat(200), 10]]);
    expect(onnxOutputTypes(model)).toEqual(new Map([['h', 1], ['/unet/Concat_output_0', 7], ['y'.repeat(200), 10]]));
    const unet = readFileSync(new URL('../../public/packs/tiny-musev/unet.onnx', import.meta.url));
    expect(onnxOutputTypes(new Uint8Array(unet))).toEqual(new Map([['noise_pred', 1]]));
  });

  it('throws on bytes that are not a protobuf', () => {
    expect(() => onnxOutputTypes(Uint8Array.of(0x3a, 0x10, 1))).toThrow('truncated');
    expect(() => onnxOutputTypes(Uint8Array.of(0x0b))).toThrow('wire type 3');
  });
});

/**
 * createGraphSession on a fake onnxruntime: a split graph like PARTS plus an int64 crossing tensor
 * (`shape`, part 0 -> part 1), read by a fake reader whose .onnx bytes are small ModelProtos with
 * the parts' output types; create records its options and makes a fake part whose outputs lie where
 * preferredOutputLocation says (onnxruntime's rule: a string for all, a map by name, 'cpu' otherwise).
 */
const TYPED: [string[], [string, number][]][] = [
  [['a'], [['h', 1], ['skip', 1], ['dead', 1], ['shape', 7]]],
  [['h', 'b', 'shape'], [['g', 1]]],
  [['g', 'skip'], [['y', 1]]],
];
function fakeRuntime(o: { failOnce?: number } = {}) {
  const log: string[] = [];
  const created: { file: string; options: Record<string, unknown> }[] = [];
  const parts: FakePart[] = [];
  const reads: string[] = [];
  let failures = 0;
  const graph: SplitGraphSpec = {
    inputs: spec('a', 'b'),
    outputs: spec('y'),
    parts: TYPED.map(([inputs, outputs], k): GraphPartSpec => ({ file: `unet.part${k}.onnx`, bytes: 0, sha256: '', externalData: [], inputs, outputs: outputs.map(([n]) => n) })),
  };
  const files = new Map<Uint8Array, string>();
  const reader = (label: string): VerifiedReader =>
    Object.assign(async (ref: { file: string }) => {
      reads.push(`${label}:${ref.file}`);
      const bytes = onnxModel(ref.file, TYPED[Number(/part(\d)/.exec(ref.file)![1])][1]);
      files.set(bytes, ref.file);
      return bytes;
    }, { reopen: () => reader('reopened') });
  const ort = {
    InferenceSession: {
      async create(model: Uint8Array, options: Record<string, unknown> = {}) {
        const file = files.get(model)!;
        created.push({ file, options });
        const k = graph.parts.findIndex((p) => p.file === file);
        const where = (n: string): Location => {
          const l = options.preferredOutputLocation as undefined | Location | Record<string, Location>;
          return (typeof l === 'string' ? l : l?.[n]) ?? 'cpu';
        };
        const fail = () => k === o.failOnce && failures++ === 0;
        const p = part(graph.parts[k].inputs, graph.parts[k].outputs, log, { where, fail });
        parts.push(p);
        return p;
      },
    },
  } as unknown as Ort;
  return { ort, graph, read: reader('load'), log, created, parts, reads };
}

const locationsAsked = (created: { options: Record<string, unknown> }[]) => created.map((c) => c.options.preferredOutputLocation);
const feeds = () => ({ a: tensor('a', 1), b: tensor('b', 10) });

describe('createGraphSession: where a split graph keeps the tensors crossing between parts', () => {
  it('WebGPU: float crossing tensors stay on the GPU and are fed as GPU tensors, integer ones and the output are CPU, nothing is read back', async () => {
    const rt = fakeRuntime();
    const session = await createGraphSession(rt.ort, rt.read, 'unet', rt.graph, { backend: 'webgpu' });
    expect(locationsAsked(rt.created)).toEqual([{ h: 'gpu-buffer', skip: 'gpu-buffer', dead: 'gpu-buffer' }, { g: 'gpu-buffer' }, undefined]);
    const out = await session.run(feeds());
    // h = 1+1, shape = 1+4, g = h + b + shape + 1 = 18, y = g + skip + 1 = 22
    expect(fake(out.y).value).toBe(22);
    expect(fake(out.y).location).toBe('cpu');
    expect(rt.parts.map((p) => p.fed[0])).toEqual([{ a: 'cpu' }, { h: 'gpu-buffer', b: 'cpu', shape: 'cpu' }, { g: 'gpu-buffer', skip: 'gpu-buffer' }]);
    const intermediates = rt.parts.slice(0, 2).flatMap((p) => p.made);
    expect(intermediates.map((t) => [t.name, t.location, t.disposed, t.reads])).toEqual([
      ['h', 'gpu-buffer', 1, 0], ['skip', 'gpu-buffer', 1, 0], ['dead', 'gpu-buffer', 1, 0], ['shape', 'cpu', 1, 0], ['g', 'gpu-buffer', 1, 0],
    ]);
    expect(fake(out.y).disposed).toBe(0);
  });

  it('WebGPU through the resident loop\'s withOutputsOnGpu: the parts keep their own locations (integer crossing tensors on the CPU), the last part returns GPU tensors', async () => {
    const rt = fakeRuntime();
    const session = await createGraphSession(withOutputsOnGpu(rt.ort), rt.read, 'unet', rt.graph, { backend: 'webgpu' });
    expect(locationsAsked(rt.created)).toEqual([{ h: 'gpu-buffer', skip: 'gpu-buffer', dead: 'gpu-buffer' }, { g: 'gpu-buffer' }, 'gpu-buffer']);
    const out = await session.run(feeds());
    expect(fake(out.y).location).toBe('gpu-buffer');
    expect(rt.parts.map((p) => p.fed[0])).toEqual([{ a: 'cpu' }, { h: 'gpu-buffer', b: 'cpu', shape: 'cpu' }, { g: 'gpu-buffer', skip: 'gpu-buffer' }]);
    expect(rt.parts.slice(0, 2).flatMap((p) => p.made).map((t) => [t.disposed, t.reads])).toEqual([[1, 0], [1, 0], [1, 0], [1, 0], [1, 0]]);
    expect([fake(out.y).disposed, fake(out.y).reads]).toEqual([0, 0]);
  });

  it('wasm: no output location is asked for, everything stays on the CPU', async () => {
    const rt = fakeRuntime();
    const session = await createGraphSession(rt.ort, rt.read, 'unet', rt.graph, { backend: 'wasm' });
    expect(rt.created.map((c) => 'preferredOutputLocation' in c.options)).toEqual([false, false, false]);
    const out = await session.run(feeds());
    expect(fake(out.y).value).toBe(22);
    expect(rt.parts.flatMap((p) => p.made).map((t) => t.location)).toEqual(['cpu', 'cpu', 'cpu', 'cpu', 'cpu', 'cpu']);
  });

  it('WebGPU: a part whose run failed is made anew (its files read again) before the next run; the others are kept', async () => {
    const rt = fakeRuntime({ failOnce: 1 });
    const session = await createGraphSession(rt.ort, rt.read, 'unet', rt.graph, { backend: 'webgpu' });
    await expect(session.run(feeds())).rejects.toThrow('out of memory');
    expect(rt.parts[0].made.map((t) => t.disposed)).toEqual([1, 1, 1, 1]);
    const out = await session.run(feeds());
    expect(fake(out.y).value).toBe(22);
    expect(rt.created.map((c) => c.file)).toEqual(['unet.part0.onnx', 'unet.part1.onnx', 'unet.part2.onnx', 'unet.part1.onnx']);
    expect(locationsAsked(rt.created)[3]).toEqual({ g: 'gpu-buffer' });
    expect(rt.reads.filter((r) => r.startsWith('reopened'))).toEqual(['reopened:unet.part1.onnx']);
    expect(rt.parts[1].released).toBe(true);
    await session.release();
    expect(rt.parts.map((p) => p.released)).toEqual([true, true, true, true]);
  });
});
