/**
 * onnxruntime sessions wrapped as the pipeline's network interfaces (src/pipeline/networks.ts).
 * Graph I/O names follow models/README.md ("Graph I/O contract").
 */
import type {
  ClipVisionNet,
  DenoiserNet,
  FaceDetectorNet,
  FaceEmbedderNet,
  FaceNets,
  FaceProjNet,
  ImageProjNet,
  Networks,
  ReferenceNetNet,
  TensorF32,
  TextEncoderNet,
  VaeDecoderNet,
  VaeEncoderNet,
} from '../pipeline/networks';
import { GRAPH_IO, UNET_REFERENCE_INPUTS } from '../packs/validateManifest';
import { appError, looksOutOfMemory, type AppErrorException } from '../rpc/errors';
import type { Ort, OrtSession } from './ortTypes';
import { unetConditioningFeeds } from './unetFeeds';

type Feeds = Record<string, InstanceType<Ort['Tensor']>>;

/** What a failed `session.run` of `what` becomes: 'out-of-memory' (the loop retries smaller) or 'inference-failed'. */
export function runError(e: unknown, what: string): AppErrorException {
  if (looksOutOfMemory(String(e))) {
    return appError('out-of-memory', `The GPU ran out of memory in the ${what}. Lower the width/height or the context frames.`, String(e));
  }
  return appError('inference-failed', `The ${what} failed while running. Try a smaller size or fewer context frames, or reload the page.`, String(e));
}

async function runAll(session: OrtSession, feeds: Feeds, outputs: readonly string[], what: string): Promise<Record<string, TensorF32>> {
  let results;
  try {
    results = await session.run(feeds);
  } catch (e) {
    throw runError(e, what);
  } finally {
    for (const t of Object.values(feeds)) t.dispose();
  }
  const out: Record<string, TensorF32> = {};
  try {
    for (const name of outputs) {
      const t = results[name];
      if (!t) throw appError('pack-incompatible', `The ${what} graph has no output "${name}". Export the pack again with this version's exporter.`);
      out[name] = { data: (await t.getData()) as Float32Array, shape: t.dims.slice() };
    }
  } finally {
    for (const t of Object.values(results)) t.dispose();
  }
  return out;
}

async function run(session: OrtSession, feeds: Feeds, output: string, what: string): Promise<TensorF32> {
  return (await runAll(session, feeds, [output], what))[output];
}

export function ortTextEncoder(ort: Ort, session: OrtSession): TextEncoderNet {
  return {
    encode(ids) {
      const flat = BigInt64Array.from(ids.flat(), (v) => BigInt(v));
      const input_ids = new ort.Tensor('int64', flat, [ids.length, ids[0].length]);
      return run(session, { input_ids }, 'last_hidden_state', 'text encoder');
    },
  };
}

export function ortVaeEncoder(ort: Ort, session: OrtSession): VaeEncoderNet {
  return {
    encodeMean(image) {
      return run(session, { image: new ort.Tensor('float32', image.data, image.shape) }, 'latent_mean', 'VAE encoder');
    },
  };
}

export function ortVaeDecoder(ort: Ort, session: OrtSession): VaeDecoderNet {
  return {
    decode(latent) {
      return run(session, { latent: new ort.Tensor('float32', latent.data, latent.shape) }, 'image', 'VAE decoder');
    },
  };
}

const f32 = (ort: Ort, t: TensorF32) => new ort.Tensor('float32', t.data, t.shape);

/**
 * The `unet` / `unet_spatial` graph. Referencenet-family graphs also take `ip_tokens`, `ip_scale`
 * and `ref_d0` … `ref_mid` (validateManifest's UNET_IP_INPUTS / UNET_REFERENCE_INPUTS), FaceID
 * graphs `face_tokens` and `face_scale` (UNET_FACE_INPUTS); they are fed when the graph has them.
 */
export function ortUnet(ort: Ort, session: OrtSession, what = 'UNet'): DenoiserNet {
  const inputs = new Set(session.inputNames);
  return {
    predict(sample, timestep, context, frameIndex, conditioning) {
      const feeds: Feeds = {
        sample: f32(ort, sample),
        timestep: new ort.Tensor('float32', Float32Array.of(timestep), [1]),
        encoder_hidden_states: f32(ort, context),
        frame_index: new ort.Tensor('int64', BigInt64Array.from(frameIndex, (v) => BigInt(v)), [frameIndex.length]),
      };
      try {
        Object.assign(feeds, unetConditioningFeeds(ort, inputs, conditioning, (_, t) => f32(ort, t), what));
      } catch (e) {
        for (const t of Object.values(feeds)) t.dispose();
        return Promise.reject(e);
      }
      return run(session, feeds, 'noise_pred', what);
    },
  };
}

export function ortReferenceNet(ort: Ort, session: OrtSession): ReferenceNetNet {
  const outputs = session.outputNames.filter((n) => UNET_REFERENCE_INPUTS.includes(n));
  return {
    features(sample, timestep, context) {
      return runAll(
        session,
        { sample: f32(ort, sample), timestep: new ort.Tensor('float32', Float32Array.of(timestep), [1]), encoder_hidden_states: f32(ort, context) },
        outputs,
        'ReferenceNet',
      );
    },
  };
}

export function ortClipVision(ort: Ort, session: OrtSession): ClipVisionNet {
  return { imageEmbeds: (pixels) => run(session, { pixel_values: f32(ort, pixels) }, 'image_embeds', 'CLIP image encoder') };
}

export function ortImageProj(ort: Ort, session: OrtSession): ImageProjNet {
  return { project: (emb) => run(session, { image_embeds: f32(ort, emb) }, 'ip_tokens', 'IP-Adapter projection') };
}

/** SCRFD: its nine outputs by name (validateManifest GRAPH_IO.face_detector). */
export function ortFaceDetector(ort: Ort, session: OrtSession): FaceDetectorNet {
  const outputs = GRAPH_IO.face_detector.outputs;
  return {
    async detect(image) {
      const out = await runAll(session, { image: f32(ort, image) }, outputs, 'face detector');
      return Object.fromEntries(outputs.map((n) => [n, out[n].data]));
    },
  };
}

export function ortFaceEmbedder(ort: Ort, session: OrtSession): FaceEmbedderNet {
  return { embed: (face) => run(session, { face: f32(ort, face) }, 'embedding', 'face embedder') };
}

export function ortFaceProj(ort: Ort, session: OrtSession): FaceProjNet {
  return { project: (ids) => run(session, { id_embeds: f32(ort, ids) }, 'face_tokens', 'IP-Adapter FaceID projection') };
}

function ortFaceNets(ort: Ort, s: NetworkSessions): FaceNets | undefined {
  if (!s.face_detector || !s.face_embedder || !s.face_proj) return undefined;
  return { detector: ortFaceDetector(ort, s.face_detector), embedder: ortFaceEmbedder(ort, s.face_embedder), proj: ortFaceProj(ort, s.face_proj) };
}

export interface NetworkSessions {
  text_encoder: OrtSession;
  vae_encoder: OrtSession;
  vae_decoder: OrtSession;
  unet: OrtSession;
  unet_spatial?: OrtSession;
  referencenet?: OrtSession;
  image_proj?: OrtSession;
  clip_vision?: OrtSession;
  face_detector?: OrtSession;
  face_embedder?: OrtSession;
  face_proj?: OrtSession;
}

export function ortNetworks(ort: Ort, s: NetworkSessions): Networks {
  return {
    textEncoder: ortTextEncoder(ort, s.text_encoder),
    vaeEncoder: ortVaeEncoder(ort, s.vae_encoder),
    vaeDecoder: ortVaeDecoder(ort, s.vae_decoder),
    unet: ortUnet(ort, s.unet),
    unetSpatial: s.unet_spatial && ortUnet(ort, s.unet_spatial, 'spatial UNet'),
    referenceNet: s.referencenet && ortReferenceNet(ort, s.referencenet),
    clipVision: s.clip_vision && ortClipVision(ort, s.clip_vision),
    imageProj: s.image_proj && ortImageProj(ort, s.image_proj),
    face: ortFaceNets(ort, s),
  };
}
