import { describe, expect, it } from 'vitest';
import golden from './__golden__/prompt_weighting.json';
import vocab from './__fixtures__/clip-tiny/vocab.json';
import mergesText from './__fixtures__/clip-tiny/merges.txt?raw';
import { ClipTokenizer } from './clipTokenizer';
import {
  chunkCount,
  chunkPrompt,
  parsePromptAttention,
  weightedPromptPair,
  weightedTokens,
  type PromptTokenizer,
} from './promptWeighting';

// Golden values: models/golden/prompt_weighting.py (lpw_stable_diffusion as MuseV's text_emb_util.py
// has it), tiny CLIP vocabulary + the four MuseV textual-inversion tokens as added tokens 903..906.

const tokenizer = new ClipTokenizer({ vocab, merges: mergesText, addedTokens: golden.addedTokens });
const short = (s: string) => JSON.stringify(s.length > 50 ? `${s.slice(0, 47)}...` : s);

describe('parsePromptAttention vs lpw parse_prompt_attention (golden)', () => {
  for (const c of golden.parse) {
    it(short(c.text), () => {
      const expected = (c.segments as [string, number][]).map(([text, weight]) => ({ text, weight }));
      expect(parsePromptAttention(c.text)).toEqual(expected);
    });
  }
});

describe('parsePromptAttention details', () => {
  it('spec §8 example: the first group and the comma between groups weigh 1, eye blinks 1.8', () => {
    expect(parsePromptAttention('(masterpiece, best quality, highres:1),(eye blinks:1.8)')).toEqual([
      { text: 'masterpiece, best quality, highres,', weight: 1 },
      { text: 'eye blinks', weight: 1.8 },
    ]);
  });
  it('nesting multiplies in closing order: ((a (b:1.5))) → a 1.21, b 1.5·1.1·1.1', () => {
    expect(parsePromptAttention('((a (b:1.5)))')).toEqual([
      { text: 'a ', weight: 1.1 * 1.1 },
      { text: 'b', weight: 1.5 * 1.1 * 1.1 },
    ]);
  });
  it('weights Python float() rejects throw, as MuseV does (ValueError)', () => {
    expect(() => parsePromptAttention('(x:1.2.3)')).toThrow(/1\.2\.3/);
    expect(() => parsePromptAttention('(x:.)')).toThrow(/not a number/);
    // without an open bracket the weight is never read: plain text
    expect(parsePromptAttention('x:1.2.3)')).toEqual([{ text: 'x:1.2.3)', weight: 1 }]);
  });
  it('Unicode decimal digits are weights, as Python re \\d + float() read them', () => {
    expect(parsePromptAttention('(x:١.٥)')).toEqual([{ text: 'x', weight: 1.5 }]);
    expect(parsePromptAttention('(x:𝟐)')).toEqual([{ text: 'x', weight: 2 }]);
  });
  it('BREAK is plain text (MuseV\'s lpw copy has no BREAK)', () => {
    expect(parsePromptAttention('a BREAK b')).toEqual([{ text: 'a BREAK b', weight: 1 }]);
  });
});

interface GoldenSide { tokens: number[]; tokenWeights: number[]; truncated: boolean; ids: number[]; rows: number[][]; weights: number[] }

describe('weightedPromptPair vs lpw tokens, padding and chunk rows (golden)', () => {
  for (const c of golden.cases) {
    it(c.name, () => {
      const pair = weightedPromptPair(tokenizer, c.prompt, c.negativePrompt, { doCfg: c.doCfg });
      expect(pair.chunks).toBe(c.chunks);
      const sides = c.sides as Record<string, GoldenSide | undefined>;
      for (const name of ['prompt', 'negative'] as const) {
        const got = pair[name];
        const ref = sides[name];
        if (!ref) {
          expect(got).toBeUndefined();
          continue;
        }
        expect(got!.tokens).toEqual(ref.tokens);
        expect(got!.weights).toEqual(ref.tokenWeights);
        expect(got!.truncated).toBe(ref.truncated);
        expect(got!.ids).toEqual(ref.ids);
        expect(got!.rows).toEqual(ref.rows);
        expect(got!.rowWeights).toEqual(ref.weights);
      }
    });
  }
  it('the table covers what it should', () => {
    const byName = Object.fromEntries(golden.cases.map((c) => [c.name, c]));
    const neg = byName['example 1.8 + V2'].sides.negative!;
    expect(neg.tokens).toHaveLength(81);
    expect([neg.tokens[0], neg.tokens[2]]).toEqual([903, 904]); // badhandv4 , ng_deepnegative_v1_75t: one id each
    expect(byName['long 300+ truncated'].sides.prompt.truncated).toBe(true);
    expect(byName['225 tokens'].sides.prompt.truncated).toBe(false);
    expect(byName['226 tokens'].sides.prompt.truncated).toBe(true);
    expect(byName['75 tokens'].chunks).toBe(1);
    expect(byName['76 tokens'].chunks).toBe(2);
  });
});

/** A tokenizer of one id per character, with small chunks (C = 6, c = 4), for hand-made examples. */
const charTok: PromptTokenizer = {
  encode: (text) => [...text.replace(/\s/g, '')].map((ch) => ch.codePointAt(0)!),
  bosTokenId: 1,
  eosTokenId: 2,
  padTokenId: 0,
  maxLength: 6,
};

describe('chunking by hand (C = 6, c = 4)', () => {
  it('chunkCount = max(1, min(maxChunks, ⌈n/c⌉))', () => {
    expect([0, 1, 4, 5, 8, 9, 12, 13, 99].map((n) => chunkCount(n, 4, 3))).toEqual([1, 1, 1, 2, 2, 3, 3, 3, 3]);
    expect(chunkCount(76, 75, 3)).toBe(2);
    expect(chunkCount(150, 75, 3)).toBe(2);
    expect(chunkCount(151, 75, 3)).toBe(3);
  });
  it('layout, forced BOS/EOS per row and row weights', () => {
    const wt = weightedTokens(charTok, 'ab(cde)', 12); // a b at 1, c d e at 1.1
    expect(wt).toEqual({ tokens: [97, 98, 99, 100, 101], weights: [1, 1, 1.1, 1.1, 1.1], truncated: false });
    const p = chunkPrompt(charTok, wt, 3);
    expect(p.ids).toEqual([1, 97, 98, 99, 100, 101, 0, 0, 0, 0, 0, 0, 0, 2]);
    expect(p.rows).toEqual([
      [1, 97, 98, 99, 100, 2], // ids[0..6), last (101) forced to EOS
      [1, 101, 0, 0, 0, 2], // ids[4..10), first (100) forced to BOS
      [1, 0, 0, 0, 0, 2], // ids[8..14)
    ]);
    expect(p.rowWeights).toEqual([1, 1, 1, 1.1, 1.1, 1, 1, 1.1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
  });
  it('truncation to maxTokens, mid-segment', () => {
    expect(weightedTokens(charTok, 'abc[defgh]', 5)).toEqual({
      tokens: [97, 98, 99, 100, 101],
      weights: [1, 1, 1, 1 / 1.1, 1 / 1.1],
      truncated: true,
    });
    expect(weightedTokens(charTok, 'abcde', 5).truncated).toBe(false);
  });
  it('k follows the longer prompt; without CFG the negative is ignored', () => {
    const withCfg = weightedPromptPair(charTok, 'ab', 'abcdefghij', { doCfg: true });
    expect(withCfg.chunks).toBe(3);
    expect(withCfg.prompt.rows).toHaveLength(3);
    expect(withCfg.negative!.rows).toHaveLength(3);
    const noCfg = weightedPromptPair(charTok, 'ab', 'abcdefghij', { doCfg: false });
    expect(noCfg.chunks).toBe(1);
    expect(noCfg.negative).toBeUndefined();
  });
  it('maxChunks caps k and the token budget', () => {
    const p = weightedPromptPair(charTok, 'abcdefghij', '', { doCfg: true, maxChunks: 2 });
    expect(p.chunks).toBe(2);
    expect(p.prompt.tokens).toHaveLength(8);
    expect(p.prompt.truncated).toBe(true);
    expect(() => weightedPromptPair(charTok, 'a', '', { doCfg: true, maxChunks: 0 })).toThrow(/maxChunks/);
  });
  it('MuseV default shapes: V2 negative → 2 chunks of 77 per prompt', () => {
    const byName = Object.fromEntries(golden.cases.map((c) => [c.name, c]));
    const c = byName['example 1.8 + V2'];
    const p = weightedPromptPair(tokenizer, c.prompt, c.negativePrompt, { doCfg: true });
    expect(p.prompt.rows.map((r) => r.length)).toEqual([77, 77]);
    expect(p.prompt.rowWeights).toHaveLength(154);
    expect(p.negative!.ids).toHaveLength(152);
  });
});
