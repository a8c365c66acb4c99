/**
 * CLIP's byte-level BPE tokenizer (the SD1.5 text encoder's tokenizer, spec §4.9), from the
 * tokenizer folder's vocab.json + merges.txt. Behaves like Hugging Face's fast CLIP tokenizer
 * (tokenizer.json of openai/clip-vit-large-patch14), which is OpenAI's simple_tokenizer with a
 * simpler clean-up (no ftfy, no HTML unescaping).
 *
 * Notation / pipeline for encode(text):
 *   0. added tokens   textual-inversion tokens (the pack's `addedTokens`) are cut out of the raw text
 *                     first and map to their own ids, like transformers' slow CLIPTokenizer (the class
 *                     diffusers loads from an SD folder; MuseV pins transformers 4.33): its tokens_trie
 *                     splits the text before any normalisation, so the match is case-sensitive,
 *                     leftmost-longest and not whole-word ("xbadhandv4y" → x | badhandv4 | y;
 *                     "BadHandV4" stays plain text). The pieces between go through steps 1-6 one by one.
 *   1. normalise      NFC; every run of whitespace → one space; trim; lowercase
 *   2. specials       `<|startoftext|>` / `<|endoftext|>` are cut out first and map to their ids
 *   3. pre-tokenise   each remaining piece is split by CLIP's pattern (case-insensitive)
 *                       's|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+
 *                     (words, single digits, runs of other symbols; whitespace is dropped)
 *   4. bytes          UTF-8 bytes of a word → printable symbols via GPT-2's bytes_to_unicode
 *                     (33..126, 161..172, 174..255 map to themselves, the other 68 bytes to 256+k)
 *   5. BPE            symbols with `</w>` glued to the last one; repeatedly merge the adjacent pair of
 *                     lowest rank in merges.txt (every occurrence, left to right) until none is ranked
 *   6. ids            vocab.json lookup (an unknown symbol maps to <|endoftext|>, HF's unk token)
 * tokenize77(text): [BOS, ids[0 .. maxLength−3], EOS, PAD…] of exactly maxLength (77) entries;
 * in SD tokenizers PAD = EOS = 49407 and BOS = 49406.
 *
 * Worked example (OpenAI's vocabulary): "A photo of a cat." → normalise "a photo of a cat." →
 *   words a | photo | of | a | cat | . → "a</w>" 320, "photo</w>" 1125, "of</w>" 539, "a</w>" 320,
 *   "cat</w>" 2368, ".</w>" 269; tokenize77 → [49406, 320, 1125, 539, 320, 2368, 269, 49407, 49407 …].
 *   "it's" splits into it | 's; "3.14" into 3 | . | 1 | 4; "é" is bytes C3 A9 → symbols "Ã©".
 */

export interface ClipTokenizerOptions {
  /** vocab.json: token → id. */
  vocab: Record<string, number>;
  /** merges.txt text ('#version' header optional), or the merge pairs in rank order. */
  merges: string | readonly (readonly [string, string])[];
  /** Default: vocab['<|startoftext|>']. */
  bosTokenId?: number;
  /** Default: vocab['<|endoftext|>']. */
  eosTokenId?: number;
  /** Default: eosTokenId (SD tokenizers pad with <|endoftext|>). */
  padTokenId?: number;
  /** Default 77. */
  maxLength?: number;
  /** Textual-inversion tokens (manifest `tokenizer.addedTokens`): exact text → one id (step 0). */
  addedTokens?: readonly { token: string; id: number }[];
}

const BOS_TEXT = '<|startoftext|>';
const EOS_TEXT = '<|endoftext|>';
const SPECIAL_SPLIT = /(<\|startoftext\|>|<\|endoftext\|>)/;
const WORD_PATTERN = /'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+/giu;
const END_OF_WORD = '</w>';
const CACHE_LIMIT = 50_000;

/** GPT-2/CLIP bytes_to_unicode: byte value → one printable character. */
export function bytesToUnicode(): string[] {
  const printable: number[] = [];
  for (let b = 33; b <= 126; b++) printable.push(b);
  for (let b = 161; b <= 172; b++) printable.push(b);
  for (let b = 174; b <= 255; b++) printable.push(b);
  const table = new Array<string>(256);
  for (const b of printable) table[b] = String.fromCodePoint(b);
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (table[b] === undefined) table[b] = String.fromCodePoint(256 + n++);
  }
  return table;
}

const BYTE_TO_CHAR = bytesToUnicode();

/** UTF-8 bytes of a string (lone surrogates become U+FFFD, like TextEncoder). */
function utf8(text: string): number[] {
  const out: number[] = [];
  for (const ch of text) {
    let cp = ch.codePointAt(0)!;
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
    if (cp < 0x80) out.push(cp);
    else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 63));
    else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
    else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
  }
  return out;
}

/** Step 1: NFC, collapse whitespace, trim, lowercase. */
export function normalizeClipText(text: string): string {
  return text.normalize('NFC').replace(/\s+/g, ' ').trim().toLowerCase();
}

/** Steps 2-3 on normalised text: words and special tokens, in order. */
export function preTokenize(normalized: string): string[] {
  const out: string[] = [];
  for (const piece of normalized.split(SPECIAL_SPLIT)) {
    if (piece === BOS_TEXT || piece === EOS_TEXT) out.push(piece);
    else if (piece) for (const m of piece.matchAll(WORD_PATTERN)) out.push(m[0]);
  }
  return out;
}

function parseMerges(merges: ClipTokenizerOptions['merges']): [string, string][] {
  if (typeof merges !== 'string') return merges.map(([a, b]) => [a, b]);
  const pairs: [string, string][] = [];
  const lines = merges.split(/\r?\n/);
  lines.forEach((line, k) => {
    if (line === '' || (k === 0 && line.startsWith('#version'))) return;
    const parts = line.split(' ');
    if (parts.length !== 2 || !parts[0] || !parts[1]) {
      throw new Error(`ClipTokenizer: merges line ${k + 1} is not 'left right': ${JSON.stringify(line)}`);
    }
    pairs.push([parts[0], parts[1]]);
  });
  return pairs;
}

export class ClipTokenizer {
  readonly bosTokenId: number;
  readonly eosTokenId: number;
  readonly padTokenId: number;
  readonly maxLength: number;
  private readonly vocab: Map<string, number>;
  private readonly ranks = new Map<string, number>();
  private readonly cache = new Map<string, number[]>();
  private readonly added = new Map<string, number>();
  /** Added tokens, longest first, so the first one that matches at a position is the longest. */
  private readonly addedByLength: string[];

  constructor(opts: ClipTokenizerOptions) {
    this.vocab = new Map(Object.entries(opts.vocab));
    parseMerges(opts.merges).forEach(([a, b], rank) => {
      const key = `${a} ${b}`;
      if (!this.ranks.has(key)) this.ranks.set(key, rank);
    });
    const bos = opts.bosTokenId ?? this.vocab.get(BOS_TEXT);
    const eos = opts.eosTokenId ?? this.vocab.get(EOS_TEXT);
    if (bos === undefined || eos === undefined) {
      throw new Error('ClipTokenizer: the vocabulary has no <|startoftext|>/<|endoftext|> and no bosTokenId/eosTokenId was given');
    }
    this.bosTokenId = bos;
    this.eosTokenId = eos;
    this.padTokenId = opts.padTokenId ?? eos;
    this.maxLength = opts.maxLength ?? 77;
    if (!Number.isInteger(this.maxLength) || this.maxLength < 2) {
      throw new Error(`ClipTokenizer: maxLength must be an integer ≥ 2, got ${this.maxLength}`);
    }
    for (const { token, id } of opts.addedTokens ?? []) {
      if (!token) throw new Error('ClipTokenizer: an added token is empty');
      if (!Number.isInteger(id) || id < 0) throw new Error(`ClipTokenizer: added token ${JSON.stringify(token)} has a bad id ${id}`);
      const prev = this.added.get(token);
      if (prev !== undefined && prev !== id) {
        throw new Error(`ClipTokenizer: added token ${JSON.stringify(token)} is listed with ids ${prev} and ${id}`);
      }
      this.added.set(token, id);
    }
    this.addedByLength = [...this.added.keys()].sort((a, b) => b.length - a.length);
  }

  /**
   * Step 0: the raw text cut at the added tokens (leftmost, then longest match), e.g. with
   * `badhandv4` added: "x, badhandv4,y" → ["x, ", {id}, ",y"]. Without added tokens: [text].
   */
  splitAddedTokens(text: string): (string | { token: string; id: number })[] {
    if (this.added.size === 0) return [text];
    const out: (string | { token: string; id: number })[] = [];
    let start = 0;
    let i = 0;
    while (i < text.length) {
      const hit = this.addedByLength.find((t) => text.startsWith(t, i));
      if (hit === undefined) {
        i++;
        continue;
      }
      if (start < i) out.push(text.slice(start, i));
      out.push({ token: hit, id: this.added.get(hit)! });
      i += hit.length;
      start = i;
    }
    if (start < text.length) out.push(text.slice(start));
    return out;
  }

  /** Token ids of the text, without BOS/EOS. */
  encode(text: string): number[] {
    const ids: number[] = [];
    for (const piece of this.splitAddedTokens(text)) {
      if (typeof piece !== 'string') {
        ids.push(piece.id);
        continue;
      }
      for (const word of preTokenize(normalizeClipText(piece))) {
        if (word === BOS_TEXT) ids.push(this.bosTokenId);
        else if (word === EOS_TEXT) ids.push(this.eosTokenId);
        else for (const id of this.wordIds(word)) ids.push(id);
      }
    }
    return ids;
  }

  /** BPE symbols of the text (e.g. ["a</w>", "pho", "to</w>"]), for inspection and tests. */
  tokenize(text: string): string[] {
    const out: string[] = [];
    for (const piece of this.splitAddedTokens(text)) {
      if (typeof piece !== 'string') {
        out.push(piece.token);
        continue;
      }
      for (const word of preTokenize(normalizeClipText(piece))) {
        if (word === BOS_TEXT || word === EOS_TEXT) out.push(word);
        else out.push(...this.bpe(word));
      }
    }
    return out;
  }

  /**
   * [BOS, ids…, EOS, PAD…] of exactly maxLength entries; content beyond maxLength − 2 tokens is
   * cut (HF `padding="max_length", truncation=True`).
   */
  tokenize77(text: string, opts: { maxLength?: number } = {}): Int32Array {
    const L = opts.maxLength ?? this.maxLength;
    if (!Number.isInteger(L) || L < 2) throw new Error(`tokenize77: maxLength must be an integer ≥ 2, got ${L}`);
    const ids = this.encode(text).slice(0, L - 2);
    const out = new Int32Array(L).fill(this.padTokenId);
    out[0] = this.bosTokenId;
    out.set(ids, 1);
    out[1 + ids.length] = this.eosTokenId;
    return out;
  }

  private wordIds(word: string): number[] {
    const hit = this.cache.get(word);
    if (hit) return hit;
    const ids = this.bpe(word).map((sym) => this.vocab.get(sym) ?? this.eosTokenId);
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(word, ids);
    return ids;
  }

  /** Steps 4-5 for one pre-token. */
  private bpe(word: string): string[] {
    let symbols = utf8(word).map((b) => BYTE_TO_CHAR[b]);
    symbols[symbols.length - 1] += END_OF_WORD;
    while (symbols.length > 1) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i + 1 < symbols.length; i++) {
        const r = this.ranks.get(`${symbols[i]} ${symbols[i + 1]}`);
        if (r !== undefined && r < bestRank) {
          bestRank = r;
          best = i;
        }
      }
      if (best < 0) break;
      const first = symbols[best];
      const second = symbols[best + 1];
      const merged: string[] = [];
      for (let i = 0; i < symbols.length; i++) {
        if (i + 1 < symbols.length && symbols[i] === first && symbols[i + 1] === second) {
          merged.push(first + second);
          i++;
        } else {
          merged.push(symbols[i]);
        }
      }
      symbols = merged;
    }
    return symbols;
  }
}
