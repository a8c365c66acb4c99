/**
 * Phase 1 of the pipeline: prompt + negative prompt → text embeddings E (b, C·k, D), CFG order
 * [negative; prompt] (spec §8, MuseV's encode_weighted_prompt with max_embeddings_multiples = 3).
 *   1. ids, weights   promptWeighting.ts: A1111 weights per token, both prompts in k ≤ maxChunks
 *                     chunks of C = 77 ids ([BOS] + 75 tokens + [EOS] each)
 *   2. encode         every chunk row through the text encoder (one batch: negative rows, then prompt
 *                     rows); a prompt's k outputs of (C, D) side by side → (C·k, D), all kept
 *                     (no_boseos_middle = False)
 *   3. weight         weightedEmbeddings.ts: E·w, rescaled to the unweighted mean, per prompt
 *   4. batch          cat([negative, prompt]) → (2, C·k, D); without CFG (1, C·k, D)
 * Shapes with MuseV's default V2 negative prompt (> 75 tokens): k = 2, E is (2, 154, 768).
 */
import type { PromptTokenizer } from '../core/promptWeighting';
import { weightedPromptPair } from '../core/promptWeighting';
import { applyPromptWeights, concatRows } from '../core/weightedEmbeddings';
import type { TensorF32, TextEncoderNet } from './networks';

export interface EncodePromptOptions {
  /** Classifier-free guidance on: return [negative; prompt]; off: [prompt]. */
  doCfg: boolean;
  /** Most 77-token chunks per prompt (lpw's max_embeddings_multiples); MuseV: 3. */
  maxChunks?: number;
  /** Told when a prompt is longer than maxChunks·75 tokens and was cut (MuseV logs a warning). */
  onWarning?: (message: string) => void;
}

export async function encodePromptPair(
  net: TextEncoderNet,
  tokenizer: PromptTokenizer,
  prompt: string,
  negativePrompt: string,
  opts: EncodePromptOptions,
): Promise<TensorF32> {
  const pair = weightedPromptPair(tokenizer, prompt, negativePrompt, { doCfg: opts.doCfg, maxChunks: opts.maxChunks });
  const named = pair.negative ? ([['negative prompt', pair.negative], ['prompt', pair.prompt]] as const) : ([['prompt', pair.prompt]] as const);
  const cap = (tokenizer.maxLength - 2) * (opts.maxChunks ?? 3);
  for (const [name, side] of named) {
    if (side.truncated) opts.onWarning?.(`The ${name} is longer than ${cap} tokens; the rest was cut off.`);
  }
  const sides = named.map(([, side]) => side);

  const k = pair.chunks;
  const C = tokenizer.maxLength;
  const out = await net.encode(sides.flatMap((s) => s.rows));
  const [rows, L, D] = out.shape;
  if (rows !== sides.length * k || L !== C || out.data.length !== rows * L * D) {
    throw new Error(`text encoder returned shape [${out.shape.join(', ')}] for ${sides.length * k} rows of ${C} ids`);
  }
  const per = k * C * D;
  const weighted = sides.map((s, b) => applyPromptWeights(out.data.subarray(b * per, (b + 1) * per), s.rowWeights, D));
  return { data: concatRows(weighted), shape: [sides.length, k * C, D] };
}
