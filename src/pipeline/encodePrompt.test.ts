/**
 * encodePromptPair against the Python re-statement of MuseV's get_weighted_text_embeddings
 * (models/golden/prompt_weighting.py): same tiny CLIP vocabulary + textual-inversion tokens, same
 * toy causal "text encoder" on both sides, final [negative; prompt] embeddings within 1e-5.
 */
import { describe, expect, it } from 'vitest';
import golden from '../core/__golden__/prompt_weighting.json';
import vocab from '../core/__fixtures__/clip-tiny/vocab.json';
import mergesText from '../core/__fixtures__/clip-tiny/merges.txt?raw';
import { ClipTokenizer } from '../core/clipTokenizer';
import { encodePromptPair } from './encodePrompt';
import type { TextEncoderNet } from './networks';

const D = golden.dim;
const tokenizer = new ClipTokenizer({ vocab, merges: mergesText, addedTokens: golden.addedTokens });

/** E[row, l, d] = sin(0.01·id_l·(d+1)) + 0.001·l + 0.3 + 1e-4·((id_0 + … + id_l) mod 1000); records its calls. */
function toyEncoder(calls: number[][][]): TextEncoderNet {
  return {
    async encode(ids) {
      calls.push(ids);
      const L = ids[0].length;
      const data = new Float32Array(ids.length * L * D);
      ids.forEach((row, b) => {
        let csum = 0;
        row.forEach((id, l) => {
          csum += id;
          for (let d = 0; d < D; d++) data[(b * L + l) * D + d] = Math.sin(0.01 * id * (d + 1)) + 0.001 * l + 0.3 + 1e-4 * (csum % 1000);
        });
      });
      return { data, shape: [ids.length, L, D] };
    },
  };
}

describe('encodePromptPair vs lpw get_weighted_text_embeddings (golden, toy text encoder)', () => {
  for (const c of golden.cases) {
    it(`${c.name}: shape [${c.shape.join(', ')}]`, async () => {
      const calls: number[][][] = [];
      const E = await encodePromptPair(toyEncoder(calls), tokenizer, c.prompt, c.negativePrompt, { doCfg: c.doCfg });
      expect(E.shape).toEqual(c.shape);
      let maxDiff = 0;
      E.data.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - c.embeddings[i]))));
      expect(maxDiff).toBeLessThan(1e-5);
      // one encoder call: the negative's k rows, then the prompt's
      expect(calls).toHaveLength(1);
      const sides = c.sides as Record<string, { rows: number[][] } | undefined>;
      expect(calls[0]).toEqual([...(sides.negative?.rows ?? []), ...sides.prompt!.rows]);
    });
  }
});

describe('encodePromptPair options', () => {
  const long = golden.cases.find((c) => c.name === 'long 300+ truncated')!;
  it('reports truncation through onWarning, once per cut prompt', async () => {
    const warnings: string[] = [];
    await encodePromptPair(toyEncoder([]), tokenizer, long.prompt, '', { doCfg: true, onWarning: (m) => warnings.push(m) });
    expect(warnings).toEqual(['The prompt is longer than 225 tokens; the rest was cut off.']);
    warnings.length = 0;
    await encodePromptPair(toyEncoder([]), tokenizer, 'a', long.prompt, { doCfg: true, onWarning: (m) => warnings.push(m) });
    expect(warnings).toEqual(['The negative prompt is longer than 225 tokens; the rest was cut off.']);
  });
  it('maxChunks = 1 gives plain 77-token encoding', async () => {
    const warnings: string[] = [];
    const E = await encodePromptPair(toyEncoder([]), tokenizer, long.prompt, '', { doCfg: true, maxChunks: 1, onWarning: (m) => warnings.push(m) });
    expect(E.shape).toEqual([2, 77, D]);
    expect(warnings[0]).toMatch(/longer than 75 tokens/);
  });
  it('a text encoder answering the wrong shape is an error', async () => {
    const bad: TextEncoderNet = { encode: async (ids) => ({ data: new Float32Array(ids.length * 76 * D), shape: [ids.length, 76, D] }) };
    await expect(encodePromptPair(bad, tokenizer, 'a', 'b', { doCfg: true })).rejects.toThrow(/shape \[2, 76, 4\]/);
  });
});
