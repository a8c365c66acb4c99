/**
 * MT19937, the 32-bit Mersenne Twister, seeded exactly like torch's CPU generator
 * (`torch.Generator().manual_seed(seed)` → `at::mt19937(seed)` → init_genrand(seed & 0xffffffff)).
 *
 * Notation (Matsumoto & Nishimura 1998):
 *   n = 624, m = 397   state size and middle word offset
 *   mt[0..n-1]         state words; mt[0] = seed, mt[i] = 1812433253·(mt[i-1] ⊕ (mt[i-1] >>> 30)) + i
 *   twist              regenerates all n words when they are used up
 *   temper(y)          y ⊕= y>>>11; y ⊕= (y<<7) & 0x9d2c5680; y ⊕= (y<<15) & 0xefc60000; y ⊕= y>>>18
 *
 * Worked example: seed 5489 (the reference default) → nextUint32() = 3499211612, 581869302, 3890346734;
 * seed 0 → 2357136044, 2546248239, … . Seeds ≥ 2^32 keep only the low 32 bits, as torch does:
 * 2^32 + 5 behaves like 5.
 *
 * The generator is a plain stateful object: consecutive draws continue one stream, which is how
 * successive `torch.randn(..., generator=g)` calls share a generator.
 */
const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

export interface Mt19937State {
  mt: Uint32Array;
  mti: number;
}

export class Mt19937 {
  private readonly mt = new Uint32Array(N);
  private mti = N + 1;

  /** seed: a non-negative integer (safe-integer range); only its low 32 bits are used. */
  constructor(seed: number | bigint = 5489) {
    this.seed(seed);
  }

  /** The whole generator state (a copy): a run resumed elsewhere continues the same stream. */
  getState(): Mt19937State {
    return { mt: this.mt.slice(), mti: this.mti };
  }

  /** A generator continuing from `state` (from getState). */
  static fromState(state: Mt19937State): Mt19937 {
    if (state.mt.length !== N || !Number.isInteger(state.mti) || state.mti < 0 || state.mti > N + 1) throw new Error('Mt19937: invalid state');
    const rng = new Mt19937();
    rng.mt.set(state.mt);
    rng.mti = state.mti;
    return rng;
  }

  /** Re-seed (init_genrand). */
  seed(seed: number | bigint): void {
    let s: number;
    if (typeof seed === 'bigint') {
      if (seed < 0n) throw new Error(`Mt19937: seed must be non-negative, got ${seed}`);
      s = Number(seed & 0xffffffffn);
    } else {
      if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`Mt19937: seed must be a non-negative safe integer, got ${seed}`);
      s = seed % 4294967296;
    }
    const mt = this.mt;
    mt[0] = s >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      // 1812433253 · prev + i (mod 2^32), split in 16-bit halves to stay exact in doubles.
      mt[i] = (((((prev & 0xffff0000) >>> 16) * 1812433253) << 16) + (prev & 0x0000ffff) * 1812433253 + i) >>> 0;
    }
    this.mti = N;
  }

  /** Next raw 32-bit output (genrand_int32), as an unsigned number in [0, 2^32). */
  nextUint32(): number {
    const mt = this.mt;
    if (this.mti >= N) {
      let kk = 0;
      for (; kk < N - M; kk++) {
        const y = (mt[kk] & UPPER_MASK) | (mt[kk + 1] & LOWER_MASK);
        mt[kk] = mt[kk + M] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
      }
      for (; kk < N - 1; kk++) {
        const y = (mt[kk] & UPPER_MASK) | (mt[kk + 1] & LOWER_MASK);
        mt[kk] = mt[kk + (M - N)] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
      }
      const y = (mt[N - 1] & UPPER_MASK) | (mt[0] & LOWER_MASK);
      mt[N - 1] = mt[M - 1] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
      this.mti = 0;
    }
    let y = mt[this.mti++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /**
   * torch's `uniform_real_distribution<float>(0, 1)`: (random32 & (2^24 − 1)) · 2^−24, in [0, 1),
   * exactly representable in float32. Example: word 0xFFFFFFFF → 16777215/16777216 = 0.99999994.
   */
  nextFloat24(): number {
    return (this.nextUint32() & 0xffffff) * 5.9604644775390625e-8;
  }
}
