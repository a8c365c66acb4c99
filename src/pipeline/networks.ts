/**
 * The networks the pipeline needs, as small interfaces. `src/runtime/` implements them with
 * onnxruntime-web sessions; tests implement them with plain functions.
 *
 * Tensors are row-major Float32Arrays with an explicit shape. Latents are (b, c, t, h, w).
 */
import type { ResidentDenoiser } from './residentDenoise';

export type Shape = number[];

export interface TensorF32 {
  data: Float32Array;
  shape: Shape;
}

export interface TextEncoderNet {
  /** ids: `batch` rows of `maxLength` token ids → last_hidden_state (batch, maxLength, D). */
  encode(ids: number[][]): Promise<TensorF32>;
}

export interface VaeEncoderNet {
  /** image (1, 3, H, W) in [-1, 1] → unscaled latent mean (1, 4, H/8, W/8). */
  encodeMean(image: TensorF32): Promise<TensorF32>;
}

/** ReferenceNet features by graph name (`ref_d0` … `ref_d9`, `ref_mid`), each (b, C, 1, h', w'). */
export type ReferenceFeatures = Record<string, TensorF32>;

/**
 * Extra UNet inputs: the referencenet families' (spec §4.4, §4.5) and IP-Adapter FaceID's (any
 * family whose pack has the face graphs). Batch halves are [uncond, cond] like the sample's.
 */
export interface UnetConditioning {
  /** Referencenet families: IP-Adapter tokens P (b, tokens, D) = [image_proj(0); image_proj(clip(ip image))]. */
  ipTokens?: TensorF32;
  /** ip_adapter_scale (0 switches the IP branch off exactly: out = text attn + 0·ip attn). */
  ipScale?: number;
  /** Referencenet families: ReferenceNet features, computed once per shot at t = 0. */
  reference?: ReferenceFeatures;
  /** FaceID packs: face tokens F (b, tokens, D) = [face_proj(0); face_proj(ê)] (faceConditioning.ts). */
  faceTokens?: TensorF32;
  /** ip_adapter_face_scale (0 switches the face branch off). */
  faceScale?: number;
}

export interface DenoiserNet {
  /**
   * One UNet3D call. sample (b, 4, T, h, w) with the clean condition frame at t = 0;
   * context (b, L, D); frameIndex has T entries. Returns noise_pred (b, 4, T, h, w).
   * `conditioning` is required by the referencenet families and by FaceID packs, else ignored.
   */
  predict(sample: TensorF32, timestep: number, context: TensorF32, frameIndex: number[], conditioning?: UnetConditioning): Promise<TensorF32>;
  /** When present, denoise() runs each shot's steps on the device through it (residentDenoise.ts). */
  resident?: ResidentDenoiser;
}

export interface VaeDecoderNet {
  /** latent (1, 4, h, w), already divided by the scaling factor → image (1, 3, 8h, 8w), ~[-1, 1]. */
  decode(latent: TensorF32): Promise<TensorF32>;
}

export interface ReferenceNetNet {
  /** sample (b, 4, h, w) = VAE mean · scaling of the refer image; timestep 0; context (b, L, D) → features. */
  features(sample: TensorF32, timestep: number, context: TensorF32): Promise<ReferenceFeatures>;
}

export interface ClipVisionNet {
  /** pixel_values (b, 3, S, S), CLIP-normalised → image_embeds (b, Dclip). */
  imageEmbeds(pixelValues: TensorF32): Promise<TensorF32>;
}

export interface ImageProjNet {
  /** image_embeds (b, Dclip) → IP tokens (b, tokens, D) (ImageProjModel: Linear → reshape → LayerNorm). */
  project(imageEmbeds: TensorF32): Promise<TensorF32>;
}

export interface FaceDetectorNet {
  /** image (1, 3, S, S), (x − 127.5)/128 → `score_<s>` (N_s), `bbox_<s>` (N_s·4), `kps_<s>` (N_s·10). */
  detect(image: TensorF32): Promise<Record<string, Float32Array>>;
}

export interface FaceEmbedderNet {
  /** face (1, 3, 112, 112), (x − 127.5)/127.5 → embedding (1, 512), not normalised. */
  embed(face: TensorF32): Promise<TensorF32>;
}

export interface FaceProjNet {
  /** id_embeds (b, 512), L2-normed → face tokens (b, tokens, D) (IP-Adapter FaceID MLPProjModel). */
  project(idEmbeds: TensorF32): Promise<TensorF32>;
}

/** IP-Adapter FaceID: insightface's SCRFD detector and ArcFace embedder, and the token projection. */
export interface FaceNets {
  detector: FaceDetectorNet;
  embedder: FaceEmbedderNet;
  proj: FaceProjNet;
}

export interface Networks {
  textEncoder: TextEncoderNet;
  vaeEncoder: VaeEncoderNet;
  unet: DenoiserNet;
  vaeDecoder: VaeDecoderNet;
  /** The UNet with temporal layers skipped (first-frame generation / redraw, T = 1). */
  unetSpatial?: DenoiserNet;
  referenceNet?: ReferenceNetNet;
  clipVision?: ClipVisionNet;
  imageProj?: ImageProjNet;
  face?: FaceNets;
}
