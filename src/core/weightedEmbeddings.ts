/**
 * MuseV's prompt weighting, embedding side (spec §8; get_weighted_text_embeddings with
 * skip_weighting = False): per prompt, with E its (L, D) text embeddings and w its L token weights
 * (promptWeighting.ts `rowWeights`),
 *   m₀ = mean(E)              over all L·D values
 *   E ← E · w                 (row l scaled by w_l)
 *   m₁ = mean(E)
 *   E ← E · (m₀ / m₁)         so the global mean is back to m₀
 * then the CFG batch is cat([negative, prompt]) → (2, L, D).
 * Arithmetic follows MuseV's fp32 path: w, the products, the means and m₀/m₁ are float32 values
 * (the means are summed in float64, which only differs from torch's float32 reduction in the last bits).
 * A prompt whose weighted mean is 0 (e.g. everything at weight 0) gives non-finite values, as in MuseV.
 *
 * Worked example (L = 2, D = 2): E = [[1, 3], [2, 2]], w = [1, 2] → m₀ = 2; E·w = [[1, 3], [4, 4]],
 * m₁ = 3; × 2/3 → [[0.667, 2], [2.667, 2.667]] (float32), mean 2 again.
 */

const f32 = Math.fround;

function meanF32(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return f32(s / x.length);
}

/** One prompt's (L, D) embeddings weighted per position and rescaled to the original mean; returns a new array. */
export function applyPromptWeights(E: Float32Array, weights: ArrayLike<number>, dim: number): Float32Array {
  const L = weights.length;
  if (E.length !== L * dim) throw new Error(`applyPromptWeights: ${E.length} values are not ${L} positions × ${dim}`);
  const m0 = meanF32(E);
  const out = new Float32Array(E.length);
  for (let l = 0; l < L; l++) {
    const w = f32(weights[l]);
    for (let d = 0; d < dim; d++) out[l * dim + d] = E[l * dim + d] * w;
  }
  const ratio = f32(m0 / meanF32(out));
  for (let i = 0; i < out.length; i++) out[i] *= ratio;
  return out;
}

/** Batch rows stacked in order, e.g. [negative, prompt] for CFG. */
export function concatRows(rows: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(rows.reduce((n, r) => n + r.length, 0));
  let at = 0;
  for (const r of rows) {
    out.set(r, at);
    at += r.length;
  }
  return out;
}
