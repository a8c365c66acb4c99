/**
 * Memory plan for the denoising loop: how many context windows share one UNet call, whether the
 * two CFG halves run together, how far attention must be split, and how many frames the VAE
 * decodes at once — chosen so that the estimated peak stays under the memory budget and every
 * single tensor under the GPU's binding limit. Pure: the numbers come from the pack and the adapter.
 *
 * Notation (one UNet call; spec §4.2, §4.10):
 *   k    windows in the call (all of the same length: a tensor has one frame count)
 *   g    batch halves in the call: 2 with CFG halves together, 1 with CFG apart or without CFG
 *   F    frames per window seen by the UNet = window length + 1 condition frame
 *   R    folded rows = g·k·F (the UNet folds batch × frames)
 *   S_l  tokens at level l = ⌈h/2^l⌉·⌈w/2^l⌉ (h, w: latent size); C_l, H_l channels and heads
 *   L    cross-attention tokens (77 per prompt chunk)
 *
 * Estimates in elements (× bytes per element; attention scores are fp32 in every pack because the
 * fp16 pass keeps Softmax in fp32):
 *   skips     R·(3·C0·S0 + Σ_{l<3} C_l·S_{l+1} + Σ_{l≥1} 2·C_l·S_l)   the 12 down-path outputs the up path reads
 *   work_l    12·C_l·S_l·R        resnet / GEGLU feed-forward transients (the FF hidden layer alone is 8·C)
 *   scores_l  largest attention matrix at level l (levels with transformers: 0..2, and 3 for the mid block):
 *               self  R·H_l·S_l·2S_l  (MuseV attn1: a frame's K/V = its own tokens + the condition frame's)
 *               refer R·H_l·S_l·2S_l  (ReferEmbFuse, referencenet families: reference + own tokens, same size)
 *               cross R·H_l·S_l·L
 *               temporal g·k·S_l·H_l·F·F
 *   q_l       the pack's query chunks at level l (manifest `unet.attentionQueryChunks`, exported with
 *             `--attention-query-chunks N`: q_l = ⌈N / 4^l⌉; 1 everywhere for an unchunked pack): the
 *             spatial attentions (self, refer, cross) compute their scores for ⌈S_l / q_l⌉ queries at a
 *             time, so their scores shrink to R·H_l·⌈S_l/q_l⌉·(2S_l or L); temporal stays whole
 *   peak      weights + skips + max_l (work_l + 2·chunk scores_l)   (scores and probabilities both live)
 *   needed    the fewest level-0 chunks N that would keep one chunk's scores under the binding limit and
 *             scores + probabilities in the budget left after weights, skips and work (the advice when
 *             nothing fits; deeper levels get ⌈N/4^l⌉ and have 4^l× fewer queries, so level 0 decides)
 *
 * Worked example (SD1.5 UNet, fp16, 512×320 → latent 40×64, S0 = 2560, C0 = 320, H = 8, F = 13):
 *   self-attention scores at level 0 for one window with CFG apart: R = 13,
 *   13·8·2560·5120·4 B = 5.45 GB; a 1 GiB binding limit needs N = 6 query chunks, a 4 GiB one N = 2.
 *   A pack exported with N = 8 computes 320 queries at a time: 13·8·320·5120·4 B = 682 MB.
 */

export interface UnetFacts {
  /** block_out_channels, e.g. SD1.5 [320, 640, 1280, 1280]. */
  blockOutChannels: number[];
  /** Attention heads per level (SD1.5: 8 everywhere). */
  heads: number[];
}

export interface VaeFacts {
  /** Decoder channels from the latent up, e.g. SD VAE [512, 512, 256, 128] at ×1, ×2, ×4, ×8. */
  decoderChannels: number[];
}

export interface DeviceLimits {
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
}

export interface PlanInput {
  unet: UnetFacts;
  vae: VaeFacts;
  /** Bytes per activation element: 2 for fp16 packs, 4 for fp32. */
  activationBytes: 2 | 4;
  /** Bytes of every graph the pack keeps loaded (sessions live for the whole pack). */
  residentWeightBytes: number;
  /**
   * Query chunks per UNet level of the pack's spatial attention (manifest `unet.attentionQueryChunks`);
   * absent or shorter than the levels: whole (1 chunk).
   */
  queryChunks?: number[];
  latentHeight: number;
  latentWidth: number;
  /** Noisy frames of each context window (planWindows' lengths; the condition frame is added here). */
  windowLengths: number[];
  cfg: boolean;
  /** Cross-attention tokens (77 · prompt chunks, + IP / face tokens where a graph attends to them). */
  contextTokens: number;
  /** Frames to decode. */
  frames: number;
  limits: DeviceLimits;
  /** Memory the app may use on this GPU, bytes. */
  budgetBytes: number;
}

export interface UnetCallEstimate {
  windowsPerCall: number;
  cfgTogether: boolean;
  /** The pack's query chunks at level 0 (1: attention whole). */
  queryChunks: number;
  /** Fewest level-0 query chunks that would fit this call's attention scores (see the notation block). */
  queryChunksNeeded: number;
  /** Largest single tensor (bytes). */
  largestTensor: number;
  /** Activations of one call (bytes), weights excluded. */
  activations: number;
  peak: number;
}

export interface MemoryPlan extends UnetCallEstimate {
  /** Window indices per UNet call, in the order they run. */
  calls: number[][];
  vaeFramesPerCall: number;
  fits: boolean;
  /** What to lower when nothing fits. */
  advice?: string;
}

const SCORE_BYTES = 4;
const WORK_FACTOR = 12;

function levelTokens(h: number, w: number, levels: number): number[] {
  return Array.from({ length: levels }, (_, l) => Math.ceil(h / 2 ** l) * Math.ceil(w / 2 ** l));
}

/** Estimate of one UNet call with g halves × k windows of F frames (see the notation block). */
export function estimateUnetCall(p: PlanInput, k: number, cfgTogether: boolean, windowFrames: number): UnetCallEstimate {
  const C = p.unet.blockOutChannels;
  const S = levelTokens(p.latentHeight, p.latentWidth, C.length);
  const g = p.cfg && cfgTogether ? 2 : 1;
  const F = windowFrames + 1;
  const R = g * k * F;
  const last = C.length - 1;
  let skips = 3 * C[0] * S[0];
  for (let l = 0; l < last; l++) skips += C[l] * S[l + 1];
  for (let l = 1; l <= last; l++) skips += 2 * C[l] * S[l];
  skips *= R * p.activationBytes;

  let worst = 0;
  let worstScores = 0;
  let queryChunksNeeded = 1;
  let largestActivation = 0;
  for (let l = 0; l <= last; l++) {
    const H = p.unet.heads[l];
    const kv = Math.max(2 * S[l], p.contextTokens);
    const q = Math.max(1, p.queryChunks?.[l] ?? 1);
    const spatial = R * H * S[l] * kv * SCORE_BYTES;
    const temporal = g * k * S[l] * H * F * F * SCORE_BYTES;
    const scores = Math.max(R * H * Math.ceil(S[l] / q) * kv * SCORE_BYTES, temporal);
    const work = WORK_FACTOR * C[l] * S[l] * R * p.activationBytes;
    largestActivation = Math.max(largestActivation, 8 * C[l] * S[l] * R * p.activationBytes); // GEGLU hidden
    if (l === 0) queryChunksNeeded = chunksFor(Math.max(spatial, temporal), S[l], p.limits, p.budgetBytes - p.residentWeightBytes - skips - work);
    worst = Math.max(worst, work + 2 * scores);
    worstScores = Math.max(worstScores, scores);
  }
  const activations = skips + worst;
  return {
    windowsPerCall: k,
    cfgTogether,
    queryChunks: Math.max(1, p.queryChunks?.[0] ?? 1),
    queryChunksNeeded,
    largestTensor: Math.max(worstScores, largestActivation),
    activations,
    peak: p.residentWeightBytes + activations,
  };
}

/**
 * Fewest query chunks so that one chunk's scores fit the binding limit and scores + probabilities
 * fit what the budget leaves (`room`); at most one query per chunk.
 */
function chunksFor(scores: number, queries: number, limits: DeviceLimits, room: number): number {
  const byBinding = Math.ceil(scores / Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize));
  const byBudget = room > 0 ? Math.ceil((2 * scores) / room) : queries;
  return Math.min(queries, Math.max(1, byBinding, byBudget));
}

/**
 * Query chunks per level of a pack exported with `--attention-query-chunks n` (⌈n / 4^l⌉; the
 * exporter's `query_chunk_schedule`): level l has 4^l× fewer queries than level 0.
 */
export function queryChunkSchedule(n: number, levels: number): number[] {
  return Array.from({ length: levels }, (_, l) => Math.max(1, Math.ceil(n / 4 ** l)));
}

/** Groups window indices into calls of ≤ k windows of the same length, in window order. */
export function groupWindows(lengths: number[], k: number): number[][] {
  const byLength = new Map<number, number[]>();
  lengths.forEach((n, i) => byLength.set(n, [...(byLength.get(n) ?? []), i]));
  const calls: number[][] = [];
  for (const idx of byLength.values()) for (let i = 0; i < idx.length; i += k) calls.push(idx.slice(i, i + k));
  return calls.sort((a, b) => a[0] - b[0]);
}

/** Decoder bytes per frame: the largest stage's transients (≈ 6 tensors) + the mid-block attention. */
function vaeFrameBytes(p: PlanInput): { perFrame: number; largest: number } {
  const S0 = p.latentHeight * p.latentWidth;
  const stages = p.vae.decoderChannels.map((c, j) => c * S0 * 4 ** j * p.activationBytes);
  const largest = Math.max(...stages);
  return { perFrame: 6 * largest + 2 * S0 * S0 * SCORE_BYTES, largest: Math.max(largest, S0 * S0 * SCORE_BYTES) };
}

function fitsLimits(e: UnetCallEstimate, p: PlanInput): boolean {
  return e.peak <= p.budgetBytes && e.largestTensor <= Math.min(p.limits.maxStorageBufferBindingSize, p.limits.maxBufferSize);
}

/**
 * The fastest plan that fits: most windows per call first, then CFG halves together before apart.
 * Windows of different lengths (the uniform_v2 tail) never share a call. When nothing fits, the
 * smallest plan (one window, CFG apart) is returned with `fits: false` and advice.
 */
export function planMemory(p: PlanInput): MemoryPlan {
  const maxLen = Math.max(...p.windowLengths);
  const maxSame = Math.max(...[...new Set(p.windowLengths)].map((n) => p.windowLengths.filter((x) => x === n).length));
  const candidates: UnetCallEstimate[] = [];
  for (let k = maxSame; k >= 1; k--) {
    candidates.push(estimateUnetCall(p, k, true, maxLen));
    if (p.cfg) candidates.push(estimateUnetCall(p, k, false, maxLen));
  }
  const chosen = candidates.find((e) => fitsLimits(e, p));
  const smallest = candidates[candidates.length - 1];
  const unet = chosen ?? smallest;
  const vae = vaeFrameBytes(p);
  const bindLimit = Math.min(p.limits.maxStorageBufferBindingSize, p.limits.maxBufferSize);
  const byBudget = Math.floor((p.budgetBytes - p.residentWeightBytes) / vae.perFrame);
  const byBinding = Math.floor(bindLimit / vae.largest);
  const vaeFramesPerCall = Math.max(1, Math.min(p.frames, byBudget, byBinding));
  const vaeFits = byBudget >= 1 && byBinding >= 1;
  const fits = chosen !== undefined && vaeFits;
  return {
    ...unet,
    calls: groupWindows(p.windowLengths, unet.windowsPerCall),
    vaeFramesPerCall,
    fits,
    advice: fits
      ? undefined
      : `Even one window per UNet call needs about ${gib(smallest.peak)} GiB (largest tensor ${gib(smallest.largestTensor)} GiB) ` +
        `against a budget of ${gib(p.budgetBytes)} GiB: lower the resolution first, then the frames per window (context frames)` +
        chunkedAdvice(p, smallest, maxLen, vaeFits),
  };
}

/**
 * When the smallest call would fit with more query chunks than the pack has, and the VAE fits: the
 * N to export with (at most 4^(levels-1), the exporter's limit).
 */
function chunkedAdvice(p: PlanInput, smallest: UnetCallEstimate, windowFrames: number, vaeFits: boolean): string {
  const levels = p.unet.blockOutChannels.length;
  const n = smallest.queryChunksNeeded;
  if (!vaeFits || n <= smallest.queryChunks || n > 4 ** (levels - 1)) return '.';
  const chunked = estimateUnetCall({ ...p, queryChunks: queryChunkSchedule(n, levels) }, 1, !p.cfg, windowFrames);
  return fitsLimits(chunked, p) ? `, or use a pack exported with --attention-query-chunks ${n} (or more).` : '.';
}

const gib = (bytes: number) => (bytes / 2 ** 30).toFixed(2);

/** The part of a plan the denoising loop uses. */
export interface UnetPlan {
  windowsPerCall: number;
  cfgTogether: boolean;
}

/** "3 windows per UNet call (2 calls per step), guidance halves together" (calls only when given). */
export function describeUnetPlan(p: UnetPlan, callsPerStep?: number): string {
  const calls = callsPerStep === undefined ? '' : ` (${callsPerStep} call${callsPerStep > 1 ? 's' : ''} per step)`;
  return `${p.windowsPerCall} window${p.windowsPerCall > 1 ? 's' : ''} per UNet call${calls}, guidance halves ${p.cfgTogether ? 'together' : 'apart'}`;
}

/**
 * The next smaller plan after running out of memory: half the windows per call (rounded down),
 * then, at one window, the CFG halves apart; undefined when one window with halves apart already
 * failed (or without CFG, one window). Examples: (4, together) → (2, together) → (1, together) →
 * (1, apart) → undefined.
 */
export function shrinkUnetPlan(plan: UnetPlan, cfg: boolean): UnetPlan | undefined {
  if (plan.windowsPerCall > 1) return { ...plan, windowsPerCall: Math.floor(plan.windowsPerCall / 2) };
  if (cfg && plan.cfgTogether) return { windowsPerCall: 1, cfgTogether: false };
  return undefined;
}

const GiB = 2 ** 30;
/** The smallest budget a user or a request may set (the settings field and request validation). */
export const MIN_BUDGET_BYTES = 0.5 * GiB;

/**
 * Default budget: WebGPU does not report the GPU's memory, so take 4× the adapter's largest storage
 * binding, between 2 and 16 GiB (1 GiB binding → 4 GiB, 4 GiB → 16 GiB); without an adapter (wasm)
 * 3.5 GiB of wasm32's 4 GiB address space. The user's budget setting replaces it.
 */
export function defaultBudgetBytes(maxStorageBufferBindingSize?: number): number {
  if (maxStorageBufferBindingSize === undefined) return 3.5 * GiB;
  return Math.min(16 * GiB, Math.max(2 * GiB, 4 * maxStorageBufferBindingSize));
}
