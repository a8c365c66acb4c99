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

export interface GraphSpec extends FileRef {
  /** Weights stored outside the .onnx, `file` equals the initializers' `location`. */
  externalData: FileRef[];
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

export type GraphName = 'text_encoder' | 'vae_encoder' | 'vae_decoder' | 'unet';

export interface TokenizerSpec {
  type: 'clip-bpe';
  vocab: FileRef; // vocab.json: token -> id
  merges: FileRef; // merges.txt: "#version" header line then "a b" pairs
  maxLength: number; // 77
  bosTokenId: number;
  eosTokenId: number;
  padTokenId: number;
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
  graphs: Record<GraphName, GraphSpec>;
  tokenizer: TokenizerSpec;
  scheduler: SchedulerSpec;
  vae: { scalingFactor: number; latentChannels: number; downscale: number };
  unet: {
    crossAttentionDim: number;
    /** use_anivv1_cfg: frame_index = arange(T) * motion_speed (else arange(T)). */
    frameIndexUsesMotionSpeed: boolean;
    /** Multiple that latent h and w must have (2^number of downsamplers). */
    latentMultiple: number;
  };
  defaults: PackDefaults;
}
