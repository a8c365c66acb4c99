import type { UnetPlan } from '../core/memoryPlan';
import type { ProgressCallback } from './progress';
import type { RunCounters } from './runCounters';

/** Which onnxruntime backend ran the graphs. */
export type Backend = 'webgpu' | 'wasm';

export interface BackendInfo {
  backend: Backend;
  /** Why WebGPU was not used, when it was not. */
  reason?: string;
  shaderF16: boolean;
  /** The adapter's limits and features (whenever an adapter was found, even if WebGPU is not used). */
  gpu?: import('./gpuCapabilities').GpuCapabilities;
}

export interface PackSummary {
  id: string;
  name: string;
  family: string;
  randomWeights: boolean;
  defaults: import('../packs/manifest').PackDefaults;
}

export interface RgbaImage {
  width: number;
  height: number;
  rgba: Uint8ClampedArray;
}

export type GuidanceMethod = 'linear' | 'two_stage' | 'three_stage' | 'fix_two_stage';
/** How the condition (first) frame is obtained (spec §2.4). */
export type FirstFrameMode = 'image' | 'generate' | 'redraw';

/**
 * Everything a generation needs; plain data (images as raw RGBA pixels, already center-cropped and
 * resized to width x height). Optional fields default to MuseV's CLI defaults (spec §1.7).
 */
export interface GenerateRequest {
  /** Condition (first-frame) image. Required unless firstFrame is 'generate' (text → image → video). */
  image?: RgbaImage;
  /** A1111 / lpw weighted prompt (spec §8). */
  prompt: string;
  /** Negative prompt text (the UI resolves MuseV's V1-V5 preset names to their text). */
  negativePrompt: string;
  width: number;
  height: number;
  /** time_size: frames generated after the condition frame, per shot. */
  frames: number;
  contextFrames: number;
  contextOverlap: number;
  /** Window schedule (spec §1.2); default 'uniform_v2'. */
  contextSchedule?: 'uniform_v2' | 'uniform';
  /** Only for 'uniform': number of stride levels; default 1. */
  contextStride?: number;
  steps: number;
  /** video_guidance_scale (start of the schedule). */
  guidanceScale: number;
  /** video_guidance_scale_end; null/undefined = constant. */
  guidanceScaleEnd?: number | null;
  /** video_guidance_scale_method; default 'linear'. */
  guidanceMethod?: GuidanceMethod;
  seed: number;
  fps: number;
  motionSpeed: number;
  /** noise_type; default 'video_fusion'. */
  noiseType?: 'video_fusion' | 'random';
  wIndNoise: number;
  /** need_img_based_video_noise; default true. */
  imageBasedNoise?: boolean;
  imgWeight: number;
  /** n_batch: shots chained end to end (spec §1.6); default 1. */
  nBatch?: number;
  /** fix_condition_images: later shots keep the original condition instead of the last latent; default false. */
  fixConditionImages?: boolean;
  /** ReferenceNet image (referencenet families); default: the condition image. */
  referImage?: RgbaImage;
  /** IP-Adapter image (referencenet families); default: the condition image. */
  ipAdapterImage?: RgbaImage;
  /** ip_adapter_scale; default 1.0. */
  ipAdapterScale?: number;
  /**
   * IP-Adapter FaceID face image (packs with face graphs, any family); default: the condition image.
   * Needs one clearly visible face (the largest-score face insightface finds is used).
   */
  faceImage?: RgbaImage;
  /** ip_adapter_face_scale; default 1.0. */
  ipAdapterFaceScale?: number;
  /** GPU memory the run may plan for, bytes; default from the adapter (src/runtime/unetPlanner.ts). */
  memoryBudgetBytes?: number;
  /** Windows per UNet call and CFG halves together/apart, instead of the memory planner's choice (benchmarks, tests). */
  unetPlan?: UnetPlan;
  /**
   * On WebGPU, keep latents and noise predictions on the GPU between steps (default true); false
   * runs the CPU loop (latents read back every UNet call), for comparisons and benchmarks.
   */
  residentLoop?: boolean;
  /**
   * Continue an interrupted run (a 'device-lost' error's `resume`) instead of starting over: the
   * same request otherwise, so that the result is the one the uninterrupted run would have given.
   */
  resume?: RunCheckpoint;
  /** 'image' (default): use `image`; 'generate': make the first frame from text; 'redraw': img2img of `image`. */
  firstFrame?: FirstFrameMode;
  /** First-frame pipeline (generate/redraw): num_inference_steps, default 30. */
  firstFrameSteps?: number;
  /** First-frame pipeline: guidance_scale, default 7.5. */
  firstFrameGuidanceScale?: number;
  /** First-frame pipeline: MuseV's `negative_prompt` (the video uses `video_negative_prompt` = negativePrompt); default negativePrompt. */
  firstFrameNegativePrompt?: string;
}

export interface GenerateResult {
  /** All decoded frames (cond frame first), RGBA. */
  frameCount: number;
  width: number;
  height: number;
  /** `counters`: GPU → CPU bytes, time inside onnxruntime, sessions made during this run (benchmarks). */
  timings: { totalMs: number; msPerStep: number; denoiseMs: number; decodeMs: number; counters?: RunCounters };
  backend: Backend;
  /** The memory plan the run used (windows per UNet call, CFG halves, estimate vs budget). */
  plan?: RunPlan;
}

/**
 * Where a run stands after its last completed denoising step (generateVideo's checkpoints): enough
 * to finish it in a fresh worker on a fresh GPU device. Shots before `shot` are done (`kept`);
 * `shot` = the request's nBatch means every shot is done and only decoding is left.
 */
export interface RunCheckpoint {
  shot: number;
  /** Steps of `shot` done; `latents` is L after them. */
  step: number;
  latents: Float32Array;
  /** C of `shot`, (1, 4, 1, h, w). */
  cond: Float32Array;
  /** The first-frame latent (firstFrame 'generate' / 'redraw'), so that it is not made again. */
  firstFrame?: Float32Array;
  /** Latents of the finished shots, in output order, each (1, 4, t, h, w). */
  kept: { data: Float32Array; t: number }[];
  /** The run's generator after those steps (Mt19937 getState). */
  rng: { mt: Uint32Array; mti: number };
  /** The plan in force, and how many times the run was resumed already. */
  plan?: UnetPlan;
  resumes: number;
}

/** What the planner chose and how it went (GenerateResult.plan). */
export interface RunPlan {
  planned: UnetPlan;
  /** The plan in force at the end: smaller than `planned` after an out-of-memory retry. */
  final: UnetPlan;
  /** UNet calls per denoising step of shot 0 with `planned`. */
  callsPerStep: number;
  summary: string;
  estimate?: PlanEstimate;
}

export interface PlanEstimate {
  peakBytes: number;
  largestTensorBytes: number;
  budgetBytes: number;
}

export interface LoadOptions {
  /** Force a backend; default: WebGPU when an adapter exists, wasm otherwise. */
  backend?: Backend | 'auto';
}

/** One UNet call on WebGPU vs wasm (GPU self-check). */
export interface BackendParity {
  maxAbsDiff: number;
  /** Largest |value| of the wasm output, for scale. */
  maxAbs: number;
  elements: number;
  wasmMs: number;
  webgpuMs: number;
}

/** The generator worker's API (exposed with comlink). Errors are thrown as AppError data. */
export interface GeneratorApi {
  /**
   * Load (or reuse) the pack whose manifest is at `manifestUrl`, or the installed pack
   * `opfs:<packId>` (downloaded or imported into OPFS by the packs worker, read from there).
   */
  loadPack(manifestUrl: string, options: LoadOptions, onProgress: ProgressCallback): Promise<{ pack: PackSummary; backend: BackendInfo }>;
  /** Run one generation; frames stream through onProgress. Returns the frames for encoding. */
  generate(request: GenerateRequest, onProgress: ProgressCallback): Promise<GenerateResult & { frames: Uint8ClampedArray[] }>;
  /** Runs one UNet call of the loaded pack on WebGPU and on wasm and compares (needs WebGPU). */
  checkBackendParity(): Promise<BackendParity>;
  dispose(): Promise<void>;
}
