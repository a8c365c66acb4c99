import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { validateManifest } from './validateManifest';

const demoManifestPath = fileURLToPath(new URL('../../public/packs/tiny-musev/manifest.json', import.meta.url));
const load = () => JSON.parse(readFileSync(demoManifestPath, 'utf8'));

describe('validateManifest', () => {
  it('accepts the manifest the exporter writes for the demo pack', () => {
    const r = validateManifest(load());
    if (!r.ok) throw new Error(r.errors.join('\n'));
    expect(r.manifest.family).toBe('musev');
    expect(r.manifest.graphs.unet.inputs.map((t) => t.name)).toEqual(
      expect.arrayContaining(['sample', 'timestep', 'encoder_hidden_states', 'frame_index']),
    );
  });

  it('accepts the referencenet demo pack the exporter writes, with IP-Adapter FaceID', () => {
    const path = fileURLToPath(new URL('../../public/packs/tiny-musev-referencenet/manifest.json', import.meta.url));
    const r = validateManifest(JSON.parse(readFileSync(path, 'utf8')));
    if (!r.ok) throw new Error(r.errors.join('\n'));
    expect(r.manifest.unet.ipAdapterFace).toEqual({ tokens: 4, idEmbeddingDim: 512 });
    expect(r.manifest.faceAnalysis).toEqual({ detectorSize: 640, scoreThreshold: 0.5, nmsThreshold: 0.4, strides: [8, 16, 32], anchorsPerCell: 2, alignSize: 112 });
    expect(r.manifest.graphs.unet.inputs.map((t) => t.name).slice(-2)).toEqual(['face_tokens', 'face_scale']);
    expect(r.manifest.graphs.face_detector?.outputs.map((t) => `${t.name} ${t.shape.join('x')}`)).toEqual([
      'score_8 12800x1', 'score_16 3200x1', 'score_32 800x1', 'bbox_8 12800x4', 'bbox_16 3200x4', 'bbox_32 800x4',
      'kps_8 12800x10', 'kps_16 3200x10', 'kps_32 800x10',
    ]);
  });

  it('names every broken field', () => {
    const m = load();
    m.formatVersion = 2;
    m.graphs.unet.sha256 = 'XYZ';
    delete m.graphs.vae_decoder;
    m.graphs.text_encoder.externalData[0].file = '../../etc/passwd';
    m.defaults.contextOverlap = m.defaults.contextFrames;
    m.scheduler.use_karras_sigmas = true;
    const r = validateManifest(m);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const text = r.errors.join('\n');
    expect(text).toContain('manifest.formatVersion');
    expect(text).toContain('manifest.graphs.unet.sha256');
    expect(text).toContain('manifest.graphs.vae_decoder: must be an object');
    expect(text).toContain('manifest.graphs.text_encoder.externalData[0].file: must be a relative path');
    expect(text).toContain('manifest.defaults.contextOverlap');
    expect(text).toContain('manifest.scheduler.use_karras_sigmas');
  });

  it('accepts query-chunked attention per UNet level and rejects a malformed list', () => {
    const m = load();
    m.unet.attentionQueryChunks = [8, 2, 1, 1];
    const r = validateManifest(m);
    if (!r.ok) throw new Error(r.errors.join('\n'));
    expect(r.manifest.unet.attentionQueryChunks).toEqual([8, 2, 1, 1]);
    for (const bad of [[], [0], [2.5], 'x']) {
      m.unet.attentionQueryChunks = bad;
      const b = validateManifest(m);
      expect(b.ok).toBe(false);
      if (!b.ok) expect(b.errors).toEqual(['manifest.unet.attentionQueryChunks: must be a non-empty list of positive integers (query chunks per UNet level)']);
    }
  });

  it('rejects a graph missing a contract input and non-objects', () => {
    const m = load();
    m.graphs.unet.inputs = m.graphs.unet.inputs.filter((t: { name: string }) => t.name !== 'frame_index');
    const r = validateManifest(m);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors).toContain('manifest.graphs.unet.inputs: must include "frame_index"');
    expect(validateManifest('hello')).toEqual({ ok: false, errors: ['manifest: must be an object'] });
  });
});

describe('validateManifest: families and optional graphs', () => {
  it('requires ReferenceNet, IP-Adapter graphs and UNet inputs for the referencenet families', () => {
    const m = load();
    m.family = 'musev_referencenet';
    const r = validateManifest(m);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const text = r.errors.join('\n');
    expect(text).toContain('manifest.graphs.referencenet: is required for the musev_referencenet family');
    expect(text).toContain('manifest.unet.ipAdapter: is required');
    expect(text).toContain('manifest.graphs.unet.inputs: must include "ip_tokens" for the musev_referencenet family');
    expect(text).toContain('must include "ref_mid"');
  });
  it('checks optional graphs when present and rejects unknown ones', () => {
    const m = load();
    m.graphs.image_proj = { ...m.graphs.text_encoder, inputs: [], outputs: [] };
    m.graphs.mystery = m.graphs.text_encoder;
    const r = validateManifest(m);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toContain('manifest.graphs.image_proj.inputs: must include "image_embeds"');
    expect(r.errors).toContain('manifest.graphs.mystery: is not a graph this app knows');
  });
  it('IP-Adapter FaceID: all three face graphs, the token sizes, faceAnalysis and the UNet face inputs together', () => {
    const m = load();
    m.graphs.face_proj = { ...m.graphs.text_encoder, inputs: [{ name: 'id_embeds', dtype: 'float32', shape: ['batch', 512] }], outputs: [{ name: 'face_tokens', dtype: 'float32', shape: ['batch', 4, 32] }] };
    m.faceAnalysis = { detectorSize: 640, scoreThreshold: 0.5, nmsThreshold: 0.4, strides: [8, 0], anchorsPerCell: 2, alignSize: 112 };
    const r = validateManifest(m);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toContain('manifest.graphs.face_detector: is required with IP-Adapter FaceID');
    expect(r.errors).toContain('manifest.graphs.face_embedder: is required with IP-Adapter FaceID');
    expect(r.errors).toContain('manifest.unet.ipAdapterFace: must be an object');
    expect(r.errors).toContain('manifest.faceAnalysis.strides: must be a list of positive integers');
    expect(r.errors).toContain('manifest.graphs.unet.inputs: must include "face_tokens" with IP-Adapter FaceID');
  });
});

describe('validateManifest: split graphs', () => {
  const part = (file: string, inputs: string[], outputs: string[]) => ({ file, bytes: 1, sha256: 'a'.repeat(64), externalData: [], inputs, outputs });
  const split = () => {
    const m = load();
    const { inputs, outputs } = m.graphs.unet;
    m.graphs.unet = {
      inputs,
      outputs,
      parts: [part('unet.part0.onnx', ['sample', 'timestep'], ['h', 'temb']), part('unet.part1.onnx', ['h', 'temb', 'encoder_hidden_states'], ['noise_pred'])],
    };
    return m;
  };
  it('accepts a graph split into parts that read graph inputs and earlier outputs', () => {
    const r = validateManifest(split());
    if (!r.ok) throw new Error(r.errors.join('\n'));
    expect(r.manifest.graphs.unet.parts?.map((p) => p.file)).toEqual(['unet.part0.onnx', 'unet.part1.onnx']);
  });
  it('names a part input nobody makes, an output no part makes, and files given beside parts', () => {
    const m = split();
    m.graphs.unet.parts[1].inputs.push('ghost');
    m.graphs.unet.parts[1].outputs = ['other'];
    m.graphs.unet.file = 'unet.onnx';
    m.graphs.unet.parts[0].sha256 = 'XYZ';
    const r = validateManifest(m);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toContain('manifest.graphs.unet.parts[1].inputs: "ghost" is neither a graph input nor an earlier part\'s output');
    expect(r.errors).toContain('manifest.graphs.unet.outputs: "noise_pred" is made by no part');
    expect(r.errors).toContain('manifest.graphs.unet.file: must not be given with parts (each part lists its own files)');
    expect(r.errors).toContain('manifest.graphs.unet.parts[0].sha256: must be 64 lowercase hex digits');
    const empty = split();
    empty.graphs.unet.parts = [];
    expect(validateManifest(empty)).toMatchObject({ ok: false, errors: ['manifest.graphs.unet.parts: must be a non-empty array'] });
  });
});
