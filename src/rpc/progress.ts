/**
 * Progress of a generation, as a discriminated union. Every event is plain data.
 *
 * Stages in order: load-pack -> encode-text -> encode-image -> denoise -> decode -> encode-video -> done.
 */
export type Stage =
  | 'load-pack'
  | 'encode-text'
  | 'encode-image'
  | 'denoise'
  | 'decode'
  | 'encode-video';

export type ProgressEvent =
  | { type: 'stage'; stage: Stage; message?: string }
  /**
   * One UNet call for window `window` (0-based) of `windows` during step `step` (0-based) of `steps`.
   * `shot` (0-based) of `shots`: which n_batch shot (spec §1.6); absent in events of older workers.
   * `firstFrame`: the step belongs to the first-frame pipeline (generate/redraw, spec §2.4), which
   * runs before shot 0 with its own step count.
   */
  | { type: 'window'; step: number; steps: number; window: number; windows: number; shot?: number; shots?: number; firstFrame?: boolean }
  /** Denoising step `step` (0-based) of `steps` finished; `msPerStep` is the mean so far (of this shot). */
  | { type: 'step'; step: number; steps: number; msPerStep: number; shot?: number; shots?: number; firstFrame?: boolean }
  /** Frame `frame` (0-based) of `frames` decoded; `rgba` is width*height*4 bytes. */
  | { type: 'frame'; frame: number; frames: number; width: number; height: number; rgba: Uint8ClampedArray }
  | { type: 'encode'; frame: number; frames: number }
  /**
   * The memory plan of the run (src/core/memoryPlan.ts): sent before the first denoising step, and
   * again with `shrunk` when the GPU ran out of memory and a smaller plan took over.
   */
  | { type: 'plan'; summary: string; windowsPerCall: number; cfgTogether: boolean; shrunk?: boolean }
  | { type: 'log'; level: 'info' | 'warn'; message: string };

export type ProgressCallback = (event: ProgressEvent) => void;
