/**
 * Model pack manifest, format v1. Mirrors `models/pack_schema.json` (the JSON schema the exporter
 * writes against); `validateManifest.test.ts` validates the pack the exporter writes.
 * All file paths are relative to the manifest's URL.
 */
import type { ResolvedEulerConfig } from '../core/eulerDiscrete';

export type PackFamily = 'musev' | 'musev_referencenet' | 'musev_referencenet_pose';
export type TensorDType = 'float32' | 'float16' | 'int64' | 'int32';
/** A dimension: a fixed size or a symbolic name ("batch", "frames", ...). */
export type Dim = number | string;

export interface FileRef {
  file: string;
  bytes: number;
  sha256: string;
}

export interface TensorSpec {
  name: string;
  dtype: TensorDType;
  shape: Dim[];
}

/** One .onnx file and the weight files it reads. */
export interface GraphFile extends FileRef {
  /** Weights stored outside the .onnx, `file` equals the initializers' `location`. */
  externalData: FileRef[];
}

/** A graph in one session. */
export interface WholeGraphSpec extends GraphFile {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  parts?: undefined;
}

/** One session of a split graph: reads graph inputs and earlier parts' outputs, by name. */
export interface GraphPartSpec extends GraphFile {
  inputs: string[];
  outputs: string[];
}

/**
 * A graph whose weights exceed one session's limit (the exporter's --max-session-mb, 4 GiB), cut
 * into consecutive sessions run in order (models/README.md, "UNet split"). `inputs` / `outputs`
 * are the whole graph's contract; the runtime wraps the parts as one session.
 */
export interface SplitGraphSpec {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  parts: GraphPartSpec[];
}

export type GraphSpec = WholeGraphSpec | SplitGraphSpec;

/** The .onnx files of a graph (one, or one per part), each with its external data. */
export function graphFiles(graph: GraphSpec): GraphFile[] {
  return graph.parts ?? [graph];
}

/** Graphs every pack has. */
export type CoreGraphName = 'text_encoder' | 'vae_encoder' | 'vae_decoder' | 'unet';
/**
 * Graphs some packs have (models/README.md, "Graph I/O contract"):
 * - `unet_spatial`: the UNet with temporal layers skipped (first-frame generation / redraw, T = 1);
 * - `referencenet`: ReferenceNet2D features for the musev_referencenet(_pose) families;
 * - `image_proj`: IP-Adapter ImageProjModel (CLIP image_embeds → IP tokens);
 * - `clip_vision`: CLIP ViT-H/14 vision tower with projection (pixel_values → image_embeds);
 * - IP-Adapter FaceID (any family, all three with `unet.ipAdapterFace` and `faceAnalysis`):
 *   `face_detector` (SCRFD det_10g: image [1,3,640,640] → score_/bbox_/kps_{8,16,32}),
 *   `face_embedder` (ArcFace w600k_r50: face [1,3,112,112] → embedding [1,512], not normalised),
 *   `face_proj` (MLPProjModel: id_embeds [batch,512] → face_tokens [batch,tokens,D]).
 */
export type OptionalGraphName = 'unet_spatial' | 'referencenet' | 'image_proj' | 'clip_vision' | 'face_detector' | 'face_embedder' | 'face_proj';
export type GraphName = CoreGraphName | OptionalGraphName;

export interface TokenizerSpec {
  type: 'clip-bpe';
  vocab: FileRef; // vocab.json: token -> id
  merges: FileRef; // merges.txt: "#version" header line then "a b" pairs
  maxLength: number; // 77
  bosTokenId: number;
  eosTokenId: number;
  padTokenId: number;
  /**
   * Textual-inversion tokens baked into the text encoder's embedding table (MuseV uses vector 0 of
   * each TI file as one new token, spec §2.3): the tokenizer maps `token` to `id` as a whole word.
   */
  addedTokens?: { token: string; id: number }[];
}

/** diffusers scheduler_config.json keys, as the SD folder holds them (Euler only in v1). */
export interface SchedulerSpec extends ResolvedEulerConfig {
  _class_name: 'EulerDiscreteScheduler';
}

export interface PackDefaults {
  width: number;
  height: number;
  frames: number; // time_size
  contextFrames: number;
  contextOverlap: number;
  steps: number;
  guidanceScale: number;
  fps: number;
  motionSpeed: number;
  negativePrompt: string;
}

export interface PackManifest {
  format: 'musev-web-pack';
  formatVersion: 1;
  id: string;
  version: string;
  name: string;
  description: string;
  family: PackFamily;
  /** True for packs exported from seeded random weights (the demo pack): pictures are abstract. */
  randomWeights: boolean;
  dtype: 'float32' | 'float16';
  graphs: Record<CoreGraphName, GraphSpec> & Partial<Record<OptionalGraphName, GraphSpec>>;
  tokenizer: TokenizerSpec;
  scheduler: SchedulerSpec;
  vae: {
    scalingFactor: number;
    latentChannels: number;
    downscale: number;
    /** Decoder channels from the latent up (memory planning; SD's [512, 512, 256, 128] when absent). */
    decoderChannels?: number[];
  };
  unet: {
    crossAttentionDim: number;
    /** use_anivv1_cfg: frame_index = arange(T) * motion_speed (else arange(T)). */
    frameIndexUsesMotionSpeed: boolean;
    /** Multiple that latent h and w must have (2^number of downsamplers). */
    latentMultiple: number;
    /** IP-Adapter decoupled cross-attention in attn2 (referencenet families): the UNet takes `ip_tokens`, `ip_scale`. */
    ipAdapter?: { tokens: number; clipEmbeddingDim: number };
    /** ReferenceNet fuse attentions (referencenet families): the UNet takes `ref_d0..ref_d9`, `ref_mid`. */
    referenceNet?: boolean;
    /** block_out_channels and attention heads per level (memory planning; SD1.5's when absent). */
    layout?: { blockOutChannels: number[]; heads: number[] };
    /** IP-Adapter FaceID in attn2: the UNet takes `face_tokens` [batch, tokens, D] and `face_scale` [1]. */
    ipAdapterFace?: { tokens: number; idEmbeddingDim: number };
    /**
     * Query-chunked attention (export `--attention-query-chunks N`): in `unet` / `unet_spatial` every
     * spatial attention at UNet level l (index l: down block l, up block last-l, the mid block at the
     * last level) computes its scores over this many slices of its h·w queries (⌈N/4^l⌉), so its
     * largest scores tensor is the unchunked one / n; temporal attention is whole. Absent: whole.
     * The memory planner plans with it.
     */
    attentionQueryChunks?: number[];
  };
  /** insightface buffalo_l face analysis around face_detector / face_embedder (FaceID packs). */
  faceAnalysis?: { detectorSize: number; scoreThreshold: number; nmsThreshold: number; strides: number[]; anchorsPerCell: number; alignSize: number };
  /** CLIP image preprocessing for `clip_vision` (CLIPImageProcessor defaults). */
  clipVision?: { imageSize: number; mean: [number, number, number]; std: [number, number, number] };
  defaults: PackDefaults;
}
