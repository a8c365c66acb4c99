/**
 * `torch.randn(shape, generator=g)` for a CPU generator and float32 output, reproduced from
 * torch's `normal_fill` (aten/src/ATen/native/cpu/DistributionTemplates.h, torch 1.13).
 *
 * Notation:
 *   numel        product of the shape (must be ≥ 16: smaller tensors take another torch path)
 *   d[k]         working buffer, first filled with uniforms U_k = (mt() & 0xffffff)·2^−24 ∈ [0, 1)
 *   block b      the 16 values d[16b .. 16b+15]; pairs (j, j+8) for j = 0..7 go through Box–Muller:
 *                u1 = 1 − d[j] ∈ (0, 1],  u2 = d[j+8],  r = √(−2 ln u1),  θ = 2π·u2
 *                d[j] = r·cos θ,  d[j+8] = r·sin θ
 *   tail         if numel % 16 ≠ 0, the LAST 16 slots (offset numel − 16) are refilled with 16 fresh
 *                uniforms and transformed once more (their earlier values are overwritten)
 *
 * Worked example: numel = 17 draws 17 + 16 = 33 uniforms. Block 0 transforms d[0..15]; then
 * d[1..16] is refilled with uniforms 18..33 and transformed, so only d[0] keeps its first-pass value.
 * numel = 32 draws exactly 32 uniforms and no tail. Each randn call consumes
 * numel + (numel % 16 ? 16 : 0) words of the generator, and the next call continues from there.
 *
 * Precision: every step is rounded to float32 as in torch's AVX2 kernel `normal_fill_16_AVX2`
 * (θ = float32(2π)·u2 in float32, then log/sqrt/cos/sin of float32 values). That kernel uses
 * vectorised polynomial log/sincos (avx_mathfun.h) where we use correctly rounded Math.log/cos/sin,
 * so about 1 value in 6 differs by 1 float32 ulp (measured on torch 1.13: max 2.4e-7 over 3072
 * values). torch builds without AVX2 compute θ in double (scalar `normal_fill_16`); they differ
 * from this by up to ~1.3e-6.
 * Seed example: manual_seed(0), randn(16) starts −1.1258398, −1.1523602, −0.2505786, −0.4338788.
 */
import { Mt19937 } from './mt19937';

const f = Math.fround;
/** `_mm256_set1_ps(2.0f * c10::pi<double>)`: 2π rounded to float32 = 6.2831855. */
const TWO_PI_F32 = Math.fround(2 * Math.PI);

function numelOf(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) {
    if (!Number.isInteger(s) || s < 0) throw new Error(`torchRandn: bad dimension ${s} in shape [${shape.join(', ')}]`);
    n *= s;
  }
  return n;
}

/** Box–Muller on one 16-value block starting at `o`, in place. */
function normalFill16(d: Float32Array, o: number): void {
  for (let j = 0; j < 8; j++) {
    const u1 = f(1 - d[o + j]);
    const u2 = d[o + j + 8];
    const radius = f(Math.sqrt(f(-2 * f(Math.log(u1)))));
    const theta = f(TWO_PI_F32 * u2);
    d[o + j] = f(radius * f(Math.cos(theta)));
    d[o + j + 8] = f(radius * f(Math.sin(theta)));
  }
}

/**
 * Standard normal samples of the given shape (row-major), consuming `rng` like torch.randn does.
 * Throws for numel < 16 (torch uses a different, double-precision path there).
 */
export function torchRandn(shape: readonly number[], rng: Mt19937): Float32Array<ArrayBuffer> {
  const numel = numelOf(shape);
  if (numel < 16) {
    throw new Error(`torchRandn: tensors with fewer than 16 elements (got ${numel}) use another torch path and are not supported`);
  }
  const d = new Float32Array(numel);
  for (let k = 0; k < numel; k++) d[k] = rng.nextFloat24();
  for (let o = 0; o + 16 <= numel; o += 16) normalFill16(d, o);
  if (numel % 16 !== 0) {
    const o = numel - 16;
    for (let k = 0; k < 16; k++) d[o + k] = rng.nextFloat24();
    normalFill16(d, o);
  }
  return d;
}

/**
 * Advance `rng` exactly as torchRandn(shape, rng) would, without computing the values: numel words,
 * plus 16 when numel % 16 ≠ 0 (the refilled tail). Same numel ≥ 16 rule.
 */
export function skipTorchRandn(shape: readonly number[], rng: Mt19937): void {
  const numel = numelOf(shape);
  if (numel < 16) throw new Error(`skipTorchRandn: tensors with fewer than 16 elements (got ${numel}) are not supported`);
  const words = numel + (numel % 16 ? 16 : 0);
  for (let k = 0; k < words; k++) rng.nextUint32();
}

/** Convenience: a fresh generator seeded like `torch.Generator().manual_seed(seed)`, then one randn. */
export function torchRandnSeeded(shape: readonly number[], seed: number | bigint): Float32Array<ArrayBuffer> {
  return torchRandn(shape, new Mt19937(seed));
}
