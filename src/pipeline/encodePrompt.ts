/**
 * Phase 1 of the pipeline: prompt + negative prompt → text embeddings E (b, 77·k, D), with CFG
 * order [negative; prompt].
 *
 * TODO(issue 3): A1111 / lpw weighting, chunking up to 3 × 77 tokens and MuseV's mean-preserving
 * rescale (spec §8). Today: plain 77-token CLIP encoding.
 */
import type { ClipTokenizer } from '../core/clipTokenizer';
import type { TensorF32, TextEncoderNet } from './networks';

export interface EncodePromptOptions {
  /** Classifier-free guidance on: return [negative; prompt]; off: [prompt]. */
  doCfg: boolean;
}

export async function encodePromptPair(
  net: TextEncoderNet,
  tokenizer: ClipTokenizer,
  prompt: string,
  negativePrompt: string,
  opts: EncodePromptOptions,
): Promise<TensorF32> {
  const texts = opts.doCfg ? [negativePrompt, prompt] : [prompt];
  return net.encode(texts.map((t) => Array.from(tokenizer.tokenize77(t))));
}
