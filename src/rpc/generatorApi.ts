import type { ProgressCallback } from './progress';

/** Which onnxruntime backend ran the graphs. */
export type Backend = 'webgpu' | 'wasm';

export interface BackendInfo {
  backend: Backend;
  /** Why WebGPU was not used, when it was not. */
  reason?: string;
  adapter?: { vendor: string; architecture: string; description: string; isFallbackAdapter: boolean };
  shaderF16: boolean;
}

export interface PackSummary {
  id: string;
  name: string;
  family: string;
  randomWeights: boolean;
  defaults: import('../packs/manifest').PackDefaults;
}

/** Everything a generation needs; plain data (the image as raw RGBA pixels). */
export interface GenerateRequest {
  /** Condition (first-frame) image, RGBA, already center-cropped/resized to width x height. */
  image: { width: number; height: number; rgba: Uint8ClampedArray };
  prompt: string;
  negativePrompt: string;
  width: number;
  height: number;
  /** time_size: frames generated after the condition frame. */
  frames: number;
  contextFrames: number;
  contextOverlap: number;
  steps: number;
  guidanceScale: number;
  seed: number;
  fps: number;
  motionSpeed: number;
  wIndNoise: number;
  imgWeight: number;
}

export interface GenerateResult {
  /** All decoded frames (cond frame first), RGBA. */
  frameCount: number;
  width: number;
  height: number;
  timings: { totalMs: number; msPerStep: number; denoiseMs: number; decodeMs: number };
  backend: Backend;
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
  /** Load (or reuse) the pack whose manifest is at `manifestUrl`. */
  loadPack(manifestUrl: string, options: LoadOptions, onProgress: ProgressCallback): Promise<{ pack: PackSummary; backend: BackendInfo }>;
  /** Run one generation; frames stream through onProgress. Returns the frames for encoding. */
  generate(request: GenerateRequest, onProgress: ProgressCallback): Promise<GenerateResult & { frames: Uint8ClampedArray[] }>;
  /** Runs one UNet call of the loaded pack on WebGPU and on wasm and compares (needs WebGPU). */
  checkBackendParity(): Promise<BackendParity>;
  dispose(): Promise<void>;
}
