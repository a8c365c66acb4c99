/**
 * Validates a parsed manifest.json against pack format v1 (`models/pack_schema.json`), returning
 * either the typed manifest or every problem found, each naming the field, so a broken pack gets a
 * message a user (or pack author) can act on.
 */
import type { CoreGraphName, FileRef, GraphName, OptionalGraphName, PackManifest, TensorSpec } from './manifest';

export type ValidationResult =
  | { ok: true; manifest: PackManifest }
  | { ok: false; errors: string[] };

export const GRAPH_NAMES: readonly CoreGraphName[] = ['text_encoder', 'vae_encoder', 'vae_decoder', 'unet'];
export const OPTIONAL_GRAPH_NAMES: readonly OptionalGraphName[] = ['unet_spatial', 'referencenet', 'image_proj', 'clip_vision', 'face_detector', 'face_embedder', 'face_proj'];
export const FACE_GRAPH_NAMES = ['face_detector', 'face_embedder', 'face_proj'] as const;
const REF_FEATURES = ['ref_d0', 'ref_d1', 'ref_d2', 'ref_d3', 'ref_d4', 'ref_d5', 'ref_d6', 'ref_d7', 'ref_d8', 'ref_d9', 'ref_mid'];
const FAMILIES = ['musev', 'musev_referencenet', 'musev_referencenet_pose'];
const DTYPES = ['float32', 'float16', 'int64', 'int32'];
const SHA256 = /^[0-9a-f]{64}$/;

/** The graph inputs/outputs the runtime codes against (models/README.md, "Graph I/O contract"). */
export const GRAPH_IO: Record<GraphName, { inputs: string[]; outputs: string[] }> = {
  text_encoder: { inputs: ['input_ids'], outputs: ['last_hidden_state'] },
  vae_encoder: { inputs: ['image'], outputs: ['latent_mean'] },
  vae_decoder: { inputs: ['latent'], outputs: ['image'] },
  unet: { inputs: ['sample', 'timestep', 'encoder_hidden_states', 'frame_index'], outputs: ['noise_pred'] },
  unet_spatial: { inputs: ['sample', 'timestep', 'encoder_hidden_states', 'frame_index'], outputs: ['noise_pred'] },
  referencenet: { inputs: ['sample', 'timestep', 'encoder_hidden_states'], outputs: REF_FEATURES },
  image_proj: { inputs: ['image_embeds'], outputs: ['ip_tokens'] },
  clip_vision: { inputs: ['pixel_values'], outputs: ['image_embeds'] },
  face_detector: { inputs: ['image'], outputs: ['score_8', 'score_16', 'score_32', 'bbox_8', 'bbox_16', 'bbox_32', 'kps_8', 'kps_16', 'kps_32'] },
  face_embedder: { inputs: ['face'], outputs: ['embedding'] },
  face_proj: { inputs: ['id_embeds'], outputs: ['face_tokens'] },
};
/** Extra UNet inputs of the referencenet families (IP-Adapter tokens and scale, ReferenceNet features). */
export const UNET_IP_INPUTS = ['ip_tokens', 'ip_scale'];
export const UNET_REFERENCE_INPUTS = REF_FEATURES;
/** Extra UNet inputs of IP-Adapter FaceID packs (any family). */
export const UNET_FACE_INPUTS = ['face_tokens', 'face_scale'];

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);

class Checker {
  errors: string[] = [];
  fail(path: string, what: string) {
    this.errors.push(`${path}: ${what}`);
  }
  obj(x: unknown, path: string): Obj | undefined {
    if (!isObj(x)) {
      this.fail(path, 'must be an object');
      return undefined;
    }
    return x;
  }
  str(o: Obj, key: string, path: string, allowed?: readonly string[]) {
    const v = o[key];
    if (typeof v !== 'string' || v.length === 0) return this.fail(`${path}.${key}`, 'must be a non-empty string');
    if (allowed && !allowed.includes(v)) this.fail(`${path}.${key}`, `must be one of ${allowed.join(', ')} (got "${v}")`);
  }
  num(o: Obj, key: string, path: string, opts: { int?: boolean; min?: number; exclusiveMin?: number } = {}) {
    const v = o[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) return this.fail(`${path}.${key}`, 'must be a number');
    if (opts.int && !Number.isInteger(v)) this.fail(`${path}.${key}`, 'must be an integer');
    if (opts.min !== undefined && v < opts.min) this.fail(`${path}.${key}`, `must be >= ${opts.min}`);
    if (opts.exclusiveMin !== undefined && v <= opts.exclusiveMin) this.fail(`${path}.${key}`, `must be > ${opts.exclusiveMin}`);
  }
  bool(o: Obj, key: string, path: string) {
    if (typeof o[key] !== 'boolean') this.fail(`${path}.${key}`, 'must be true or false');
  }
  fileRef(x: unknown, path: string): x is FileRef {
    const o = this.obj(x, path);
    if (!o) return false;
    const before = this.errors.length;
    this.str(o, 'file', path);
    if (typeof o.file === 'string' && (o.file.startsWith('/') || o.file.split('/').includes('..') || /^[a-z]+:/i.test(o.file)))
      this.fail(`${path}.file`, 'must be a relative path inside the pack');
    this.num(o, 'bytes', path, { int: true, min: 0 });
    if (typeof o.sha256 !== 'string' || !SHA256.test(o.sha256)) this.fail(`${path}.sha256`, 'must be 64 lowercase hex digits');
    return this.errors.length === before;
  }
  tensors(x: unknown, path: string): TensorSpec[] {
    if (!Array.isArray(x)) {
      this.fail(path, 'must be an array');
      return [];
    }
    x.forEach((t, i) => {
      const o = this.obj(t, `${path}[${i}]`);
      if (!o) return;
      this.str(o, 'name', `${path}[${i}]`);
      this.str(o, 'dtype', `${path}[${i}]`, DTYPES);
      const shape = o.shape;
      if (!Array.isArray(shape) || !shape.every((d) => (typeof d === 'number' && Number.isInteger(d) && d >= 0) || (typeof d === 'string' && d.length > 0)))
        this.fail(`${path}[${i}].shape`, 'must be an array of sizes or dimension names');
    });
    return x as TensorSpec[];
  }
  /** A .onnx file ref with its `externalData` list (a whole graph, or one part of a split one). */
  graphFile(x: unknown, path: string): boolean {
    if (!this.fileRef(x, path)) return false;
    const g = x as unknown as Obj;
    if (!Array.isArray(g.externalData)) this.fail(`${path}.externalData`, 'must be an array (empty when the weights are inside the .onnx)');
    else g.externalData.forEach((f, i) => this.fileRef(f, `${path}.externalData[${i}]`));
    return true;
  }
  names(x: unknown, path: string, min: number): string[] {
    if (Array.isArray(x) && x.length >= min && x.every((n) => typeof n === 'string' && n.length > 0)) return x as string[];
    this.fail(path, `must be an array of tensor names${min ? ` (at least ${min})` : ''}`);
    return [];
  }
  /** Parts of a split graph: each reads only graph inputs and earlier parts' outputs; together they make every output. */
  parts(g: Obj, ins: string[], outs: string[], path: string) {
    for (const k of ['file', 'bytes', 'sha256', 'externalData']) if (k in g) this.fail(`${path}.${k}`, 'must not be given with parts (each part lists its own files)');
    if (!Array.isArray(g.parts) || g.parts.length === 0) return this.fail(`${path}.parts`, 'must be a non-empty array');
    const known = new Set(ins);
    g.parts.forEach((p, i) => {
      if (!this.graphFile(p, `${path}.parts[${i}]`)) return;
      for (const n of this.names((p as Obj).inputs, `${path}.parts[${i}].inputs`, 0))
        if (!known.has(n)) this.fail(`${path}.parts[${i}].inputs`, `"${n}" is neither a graph input nor an earlier part's output`);
      for (const n of this.names((p as Obj).outputs, `${path}.parts[${i}].outputs`, 1)) known.add(n);
    });
    for (const n of outs) if (!known.has(n)) this.fail(`${path}.outputs`, `"${n}" is made by no part`);
  }
  graph(x: unknown, name: GraphName, path: string) {
    const g = this.obj(x, path);
    if (!g) return;
    const names = (list: TensorSpec[]) => list.map((t) => t?.name);
    const ins = names(this.tensors(g.inputs, `${path}.inputs`));
    const outs = names(this.tensors(g.outputs, `${path}.outputs`));
    if ('parts' in g) this.parts(g, ins, outs, path);
    else if (!this.graphFile(g, path)) return;
    for (const want of GRAPH_IO[name].inputs) if (!ins.includes(want)) this.fail(`${path}.inputs`, `must include "${want}"`);
    for (const want of GRAPH_IO[name].outputs) if (!outs.includes(want)) this.fail(`${path}.outputs`, `must include "${want}"`);
  }
}

export function validateManifest(json: unknown): ValidationResult {
  const c = new Checker();
  const m = c.obj(json, 'manifest');
  if (!m) return { ok: false, errors: c.errors };
  if (m.format !== 'musev-web-pack') c.fail('manifest.format', 'must be "musev-web-pack"');
  if (m.formatVersion !== 1) c.fail('manifest.formatVersion', `must be 1 (this app reads pack format v1, got ${JSON.stringify(m.formatVersion)})`);
  for (const k of ['id', 'version', 'name']) c.str(m, k, 'manifest');
  if (typeof m.description !== 'string') c.fail('manifest.description', 'must be a string');
  c.str(m, 'family', 'manifest', FAMILIES);
  c.bool(m, 'randomWeights', 'manifest');
  c.str(m, 'dtype', 'manifest', ['float32', 'float16']);

  const graphs = c.obj(m.graphs, 'manifest.graphs');
  if (graphs) {
    for (const name of GRAPH_NAMES) c.graph(graphs[name], name, `manifest.graphs.${name}`);
    for (const name of OPTIONAL_GRAPH_NAMES) if (graphs[name] !== undefined) c.graph(graphs[name], name, `manifest.graphs.${name}`);
    for (const name of Object.keys(graphs)) if (!(GRAPH_NAMES as string[]).includes(name) && !(OPTIONAL_GRAPH_NAMES as string[]).includes(name)) c.fail(`manifest.graphs.${name}`, 'is not a graph this app knows');
  }

  const tok = c.obj(m.tokenizer, 'manifest.tokenizer');
  if (tok) {
    c.str(tok, 'type', 'manifest.tokenizer', ['clip-bpe']);
    c.fileRef(tok.vocab, 'manifest.tokenizer.vocab');
    c.fileRef(tok.merges, 'manifest.tokenizer.merges');
    for (const k of ['maxLength', 'bosTokenId', 'eosTokenId', 'padTokenId']) c.num(tok, k, 'manifest.tokenizer', { int: true, min: 0 });
  }

  const s = c.obj(m.scheduler, 'manifest.scheduler');
  if (s) {
    const p = 'manifest.scheduler';
    c.str(s, '_class_name', p, ['EulerDiscreteScheduler']);
    c.num(s, 'num_train_timesteps', p, { int: true, min: 1 });
    c.num(s, 'beta_start', p, { exclusiveMin: 0 });
    c.num(s, 'beta_end', p, { exclusiveMin: 0 });
    c.str(s, 'beta_schedule', p, ['scaled_linear', 'linear']);
    c.str(s, 'prediction_type', p, ['epsilon']);
    c.str(s, 'timestep_spacing', p, ['linspace', 'leading', 'trailing']);
    c.num(s, 'steps_offset', p, { int: true, min: 0 });
    c.str(s, 'interpolation_type', p, ['linear']);
    if (s.use_karras_sigmas !== false) c.fail(`${p}.use_karras_sigmas`, 'must be false (Karras sigmas are not supported)');
  }

  const vae = c.obj(m.vae, 'manifest.vae');
  if (vae) {
    c.num(vae, 'scalingFactor', 'manifest.vae', { exclusiveMin: 0 });
    c.num(vae, 'latentChannels', 'manifest.vae', { int: true, min: 1 });
    c.num(vae, 'downscale', 'manifest.vae', { int: true, min: 1 });
  }
  const unet = c.obj(m.unet, 'manifest.unet');
  if (unet) {
    c.num(unet, 'crossAttentionDim', 'manifest.unet', { int: true, min: 1 });
    c.bool(unet, 'frameIndexUsesMotionSpeed', 'manifest.unet');
    c.num(unet, 'latentMultiple', 'manifest.unet', { int: true, min: 1 });
    const qc = unet.attentionQueryChunks;
    if (qc !== undefined && !(Array.isArray(qc) && qc.length > 0 && qc.every((n) => Number.isInteger(n) && n >= 1)))
      c.fail('manifest.unet.attentionQueryChunks', 'must be a non-empty list of positive integers (query chunks per UNet level)');
  }
  if (typeof m.family === 'string' && m.family !== 'musev' && graphs && unet) {
    // The referencenet families need ReferenceNet features and IP-Adapter tokens in every UNet call.
    for (const name of ['referencenet', 'image_proj', 'clip_vision'] as const)
      if (graphs[name] === undefined) c.fail(`manifest.graphs.${name}`, `is required for the ${m.family} family`);
    if (unet.referenceNet !== true) c.fail('manifest.unet.referenceNet', `must be true for the ${m.family} family`);
    if (!isObj(unet.ipAdapter)) c.fail('manifest.unet.ipAdapter', `is required for the ${m.family} family`);
    for (const g of ['unet', 'unet_spatial'] as const) {
      const spec = graphs[g];
      if (!isObj(spec) || !Array.isArray(spec.inputs)) continue;
      const ins = (spec.inputs as TensorSpec[]).map((t) => t?.name);
      for (const want of [...UNET_IP_INPUTS, ...UNET_REFERENCE_INPUTS]) if (!ins.includes(want)) c.fail(`manifest.graphs.${g}.inputs`, `must include "${want}" for the ${m.family} family`);
    }
  }

  const hasFace = FACE_GRAPH_NAMES.filter((n) => graphs?.[n] !== undefined).length;
  if (hasFace > 0 || (unet && unet.ipAdapterFace !== undefined) || m.faceAnalysis !== undefined) {
    // IP-Adapter FaceID: all three graphs, the token sizes, the face-analysis constants.
    for (const name of FACE_GRAPH_NAMES) if (graphs?.[name] === undefined) c.fail(`manifest.graphs.${name}`, 'is required with IP-Adapter FaceID');
    const face = unet && c.obj(unet.ipAdapterFace, 'manifest.unet.ipAdapterFace');
    if (face) for (const k of ['tokens', 'idEmbeddingDim']) c.num(face, k, 'manifest.unet.ipAdapterFace', { int: true, min: 1 });
    const fa = c.obj(m.faceAnalysis, 'manifest.faceAnalysis');
    if (fa) {
      for (const k of ['detectorSize', 'anchorsPerCell', 'alignSize']) c.num(fa, k, 'manifest.faceAnalysis', { int: true, min: 1 });
      for (const k of ['scoreThreshold', 'nmsThreshold']) c.num(fa, k, 'manifest.faceAnalysis', { min: 0 });
      if (!Array.isArray(fa.strides) || fa.strides.length === 0 || !fa.strides.every((s) => Number.isInteger(s) && s > 0)) c.fail('manifest.faceAnalysis.strides', 'must be a list of positive integers');
    }
    for (const g of ['unet', 'unet_spatial'] as const) {
      const spec = graphs?.[g];
      if (!isObj(spec) || !Array.isArray(spec.inputs)) continue;
      const ins = (spec.inputs as TensorSpec[]).map((t) => t?.name);
      for (const want of UNET_FACE_INPUTS) if (!ins.includes(want)) c.fail(`manifest.graphs.${g}.inputs`, `must include "${want}" with IP-Adapter FaceID`);
    }
  }

  const d = c.obj(m.defaults, 'manifest.defaults');
  if (d) {
    const p = 'manifest.defaults';
    for (const k of ['width', 'height', 'frames', 'contextFrames', 'steps', 'fps']) c.num(d, k, p, { int: true, min: 1 });
    c.num(d, 'contextOverlap', p, { int: true, min: 0 });
    c.num(d, 'guidanceScale', p, { min: 0 });
    c.num(d, 'motionSpeed', p, { exclusiveMin: 0 });
    if (typeof d.negativePrompt !== 'string') c.fail(`${p}.negativePrompt`, 'must be a string');
    if (typeof d.contextOverlap === 'number' && typeof d.contextFrames === 'number' && d.contextOverlap >= d.contextFrames)
      c.fail(`${p}.contextOverlap`, 'must be smaller than contextFrames');
  }
  return c.errors.length ? { ok: false, errors: c.errors } : { ok: true, manifest: json as PackManifest };
}
