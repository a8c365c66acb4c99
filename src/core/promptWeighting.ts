/**
 * MuseV's prompt weighting, token side (spec §8; musev/utils/text_emb_util.py, which is diffusers'
 * community lpw_stable_diffusion.py): A1111 attention syntax → token ids and per-token weights,
 * cut into 77-token chunks for the text encoder. The embedding side is weightedEmbeddings.ts.
 *
 * Notation (SD tokenizer: C = maxLength = 77 positions, c = C − 2 = 75 content tokens per chunk):
 *   parse      text → segments (text, weight). `(x)` ×1.1, `[x]` ×1/1.1, `(x:w)` ×w, nesting multiplies;
 *              unclosed brackets are closed at the end (rounds first, then squares, in opening order);
 *              `\(` `\)` `\[` `\]` `\\` are literals; a lone `\` vanishes; unmatched `)` `]` are text;
 *              `(x: 1.5)` (space after the colon) is plain text `x: 1.5` at ×1.1; no BREAK keyword;
 *              adjacent segments of exactly equal weight merge; no segment at all → [("", 1)].
 *   tokens     each segment tokenised on its own, without BOS/EOS; every token takes its segment's
 *              weight; capped at c·maxChunks = 225 tokens (`truncated` says so; MuseV logs a warning).
 *   k          = max(1, min(maxChunks, ⌈n/c⌉)), n = the longer of prompt and negative (negative only with CFG)
 *   ids        [BOS] + tokens + [PAD] × (c·k − n_i) + [EOS]          (c·k + 2 entries)
 *   rows       chunk j = ids[c·j, c·j + C) with its first id set to BOS and its last to EOS
 *   weights    per chunk [1, w_{c·j} … w_{c·j+c−1} (1 past the end), 1]  (C·k entries, one per output)
 *
 * Worked example (c = 75): 81 negative tokens, 17 prompt tokens → k = 2; the prompt's ids are
 * BOS, t0…t16, PAD×133, EOS (152); row 0 = BOS, t0…t16, PAD×58, EOS; row 1 = ids[75..152) =
 * BOS, PAD×75, EOS; its weights = 1, w0…w16, 1×58, 1 | 1, 1×75, 1. The negative's row 0 =
 * BOS, u0…u74, EOS, row 1 = BOS, u75…u80, PAD×69, EOS.
 */

export interface PromptSegment {
  text: string;
  weight: number;
}

/** What the weighting needs from a tokenizer (ClipTokenizer has it). */
export interface PromptTokenizer {
  /** Token ids of a text, without BOS/EOS. */
  encode(text: string): number[];
  readonly bosTokenId: number;
  readonly eosTokenId: number;
  readonly padTokenId: number;
  /** Positions of the text encoder (77). */
  readonly maxLength: number;
}

// lpw's re_attention, alternatives in the same order. Python's \d also takes other Unicode decimal
// digits (and float() reads them), hence \p{Nd}.
const ATTENTION = /\\\(|\\\)|\\\[|\\\]|\\\\|\\|\(|\[|:([+-]?[.\p{Nd}]+)\)|\)|\]|[^\\()[\]:]+|:/gu;
const ROUND = 1.1;
const SQUARE = 1 / 1.1;

/** Python float() of a `[+-]?[.\d]+` match; NaN where Python raises ValueError ("1.2.3", "."). */
function pythonFloat(s: string): number {
  if ((s.match(/\./g) ?? []).length > 1 || !/\p{Nd}/u.test(s)) return NaN;
  return Number(s.replace(/\p{Nd}/gu, (ch) => String(decimalDigitValue(ch))));
}

/** Unicode decimal digits come in runs of ten from 0 to 9, so the value is the offset in the run. */
function decimalDigitValue(ch: string): number {
  const cp = ch.codePointAt(0)!;
  let start = cp;
  while (/\p{Nd}/u.test(String.fromCodePoint(start - 1))) start--;
  return (cp - start) % 10;
}

/** lpw's parse_prompt_attention. Throws on a weight Python's float() rejects (`(x:1.2.3)`). */
export function parsePromptAttention(text: string): PromptSegment[] {
  const res: PromptSegment[] = [];
  const roundOpen: number[] = [];
  const squareOpen: number[] = [];
  const scaleFrom = (start: number, factor: number) => {
    for (let p = start; p < res.length; p++) res[p].weight *= factor;
  };
  for (const m of text.matchAll(ATTENTION)) {
    const piece = m[0];
    const weight = m[1];
    if (piece.startsWith('\\')) res.push({ text: piece.slice(1), weight: 1 });
    else if (piece === '(') roundOpen.push(res.length);
    else if (piece === '[') squareOpen.push(res.length);
    else if (weight !== undefined && roundOpen.length > 0) {
      const w = pythonFloat(weight);
      if (Number.isNaN(w)) throw new Error(`Prompt weight "${weight}" in "${piece}" is not a number.`);
      scaleFrom(roundOpen.pop()!, w);
    } else if (piece === ')' && roundOpen.length > 0) scaleFrom(roundOpen.pop()!, ROUND);
    else if (piece === ']' && squareOpen.length > 0) scaleFrom(squareOpen.pop()!, SQUARE);
    else res.push({ text: piece, weight: 1 });
  }
  for (const start of roundOpen) scaleFrom(start, ROUND);
  for (const start of squareOpen) scaleFrom(start, SQUARE);
  if (res.length === 0) res.push({ text: '', weight: 1 });
  for (let i = 0; i + 1 < res.length; ) {
    if (res[i].weight === res[i + 1].weight) {
      res[i].text += res[i + 1].text;
      res.splice(i + 1, 1);
    } else i++;
  }
  return res;
}

export interface WeightedTokens {
  /** Content token ids (no BOS/EOS), at most maxTokens. */
  tokens: number[];
  /** One weight per token. */
  weights: number[];
  /** The prompt had more than maxTokens tokens and was cut. */
  truncated: boolean;
}

/** lpw's get_prompts_with_weights for one prompt. */
export function weightedTokens(tokenizer: PromptTokenizer, text: string, maxTokens: number): WeightedTokens {
  const tokens: number[] = [];
  const weights: number[] = [];
  for (const { text: segment, weight } of parsePromptAttention(text)) {
    for (const id of tokenizer.encode(segment)) {
      tokens.push(id);
      weights.push(weight);
    }
    if (tokens.length > maxTokens) break;
  }
  const truncated = tokens.length > maxTokens;
  return { tokens: tokens.slice(0, maxTokens), weights: weights.slice(0, maxTokens), truncated };
}

/** Number of chunks: max(1, min(maxChunks, ⌈longest/c⌉)). */
export function chunkCount(longest: number, contentPerChunk: number, maxChunks: number): number {
  return Math.max(1, Math.min(maxChunks, Math.floor((longest - 1) / contentPerChunk) + 1));
}

export interface ChunkedPrompt extends WeightedTokens {
  /** [BOS] + tokens + PAD… + [EOS], c·k + 2 ids. */
  ids: number[];
  /** k rows of C ids for the text encoder, BOS first and EOS last. */
  rows: number[][];
  /** C·k weights, one per text-encoder output position. */
  rowWeights: number[];
}

/** lpw's pad_tokens_and_weights (no_boseos_middle = False) and the chunk rows of get_unweighted_text_embeddings. */
export function chunkPrompt(tokenizer: PromptTokenizer, wt: WeightedTokens, k: number): ChunkedPrompt {
  const C = tokenizer.maxLength;
  const c = C - 2;
  if (wt.tokens.length > c * k) throw new Error(`chunkPrompt: ${wt.tokens.length} tokens do not fit in ${k} chunks of ${c}`);
  const ids = [tokenizer.bosTokenId, ...wt.tokens, ...new Array<number>(c * k - wt.tokens.length).fill(tokenizer.padTokenId), tokenizer.eosTokenId];
  const rows: number[][] = [];
  const rowWeights: number[] = [];
  for (let j = 0; j < k; j++) {
    const row = ids.slice(c * j, c * j + C);
    row[0] = tokenizer.bosTokenId;
    row[C - 1] = tokenizer.eosTokenId;
    rows.push(row);
    rowWeights.push(1);
    for (let i = c * j; i < c * (j + 1); i++) rowWeights.push(i < wt.weights.length ? wt.weights[i] : 1);
    rowWeights.push(1);
  }
  return { ...wt, ids, rows, rowWeights };
}

export interface WeightedPromptPair {
  /** k: chunks per prompt; the text embeddings have C·k positions. */
  chunks: number;
  prompt: ChunkedPrompt;
  /** Only with classifier-free guidance. */
  negative?: ChunkedPrompt;
}

export interface WeightedPromptOptions {
  /** Classifier-free guidance: the negative prompt takes part (its length counts for k). */
  doCfg: boolean;
  /** lpw's max_embeddings_multiples; MuseV: 3. */
  maxChunks?: number;
}

/** Both prompts tokenised, weighted and chunked to the same k, as get_weighted_text_embeddings does. */
export function weightedPromptPair(
  tokenizer: PromptTokenizer,
  prompt: string,
  negativePrompt: string,
  opts: WeightedPromptOptions,
): WeightedPromptPair {
  const maxChunks = opts.maxChunks ?? 3;
  if (!Number.isInteger(maxChunks) || maxChunks < 1) throw new Error(`maxChunks must be an integer ≥ 1, got ${maxChunks}`);
  const c = tokenizer.maxLength - 2;
  const pos = weightedTokens(tokenizer, prompt, c * maxChunks);
  const neg = opts.doCfg ? weightedTokens(tokenizer, negativePrompt, c * maxChunks) : undefined;
  const k = chunkCount(Math.max(pos.tokens.length, neg?.tokens.length ?? 0), c, maxChunks);
  return {
    chunks: k,
    prompt: chunkPrompt(tokenizer, pos, k),
    ...(neg ? { negative: chunkPrompt(tokenizer, neg, k) } : {}),
  };
}
