/**
 * Frame-axis helpers for latents laid out (b, c, t, h, w), row-major, in Float32Arrays — the tensor
 * plumbing of parallel denoising (spec §1.3-§1.5): gather a window's frames, prepend the condition
 * frame, accumulate window predictions with a per-frame counter, and average.
 *
 * Notation:
 *   shape = [b, c, t, h, w]; plane = h·w; element (bi, ci, ti, y, x) sits at
 *   ((bi·c + ci)·t + ti)·plane + y·w + x, so each (bi, ci) owns a run of t planes.
 *   idx   frame indices along t (a window); |idx| its length
 *
 * Worked example: x of shape [1, 2, 3, 1, 1] = [a0 a1 a2 | b0 b1 b2] (channel a, channel b):
 *   gatherFrames(x, shape, [2, 0])          → [a2 a0 | b2 b0], shape [1, 2, 2, 1, 1]
 *   concatFrames(C=[ca | cb] [1,2,1,1,1], x) → [ca a0 a1 a2 | cb b0 b1 b2], shape [1, 2, 4, 1, 1]
 *   scatterAddFrames(acc, shape, [p q | r s], [1, 2], count) adds p→a1, q→a2, r→b1, s→b2 and
 *   count[1]++, count[2]++; divideByCount then divides every frame ti by count[ti].
 *   repeatBatch(x, shape, 2) → [x ; x] of shape [2, 2, 3, 1, 1] (torch.cat([x, x]))
 */

export type Shape5 = readonly number[];

function dims(shape: Shape5, who: string): [number, number, number, number, number] {
  if (shape.length !== 5 || shape.some((s) => !Number.isInteger(s) || s < 0)) {
    throw new Error(`${who}: expected a (b, c, t, h, w) shape, got [${shape.join(', ')}]`);
  }
  return shape as unknown as [number, number, number, number, number];
}

function checkLength(x: ArrayLike<number>, shape: Shape5, who: string, name = 'x'): void {
  const n = shape.reduce((a, b) => a * b, 1);
  if (x.length !== n) throw new Error(`${who}: ${name} has ${x.length} values but shape [${shape.join(', ')}] needs ${n}`);
}

function checkIndices(idx: readonly number[], t: number, who: string): void {
  for (const i of idx) {
    if (!Number.isInteger(i) || i < 0 || i >= t) throw new Error(`${who}: frame index ${i} is outside 0..${t - 1}`);
  }
}

/** x[:, :, idx] → (b, c, |idx|, h, w). Indices may repeat and come in any order. */
export function gatherFrames(x: Float32Array, shape: Shape5, frameIdx: readonly number[]): Float32Array<ArrayBuffer> {
  const [b, c, t, h, w] = dims(shape, 'gatherFrames');
  checkLength(x, shape, 'gatherFrames');
  checkIndices(frameIdx, t, 'gatherFrames');
  const plane = h * w;
  const k = frameIdx.length;
  const out = new Float32Array(b * c * k * plane);
  for (let bc = 0; bc < b * c; bc++) {
    for (let j = 0; j < k; j++) {
      const src = (bc * t + frameIdx[j]) * plane;
      out.set(x.subarray(src, src + plane), (bc * k + j) * plane);
    }
  }
  return out;
}

/** torch.cat([a, b], dim=2): a (B, C, ta, h, w) then b (B, C, tb, h, w) → (B, C, ta + tb, h, w). */
export function concatFrames(a: Float32Array, aShape: Shape5, b: Float32Array, bShape: Shape5): Float32Array<ArrayBuffer> {
  const [ab, ac, ta, ah, aw] = dims(aShape, 'concatFrames');
  const [bb, bc, tb, bh, bw] = dims(bShape, 'concatFrames');
  checkLength(a, aShape, 'concatFrames', 'a');
  checkLength(b, bShape, 'concatFrames', 'b');
  if (ab !== bb || ac !== bc || ah !== bh || aw !== bw) {
    throw new Error(`concatFrames: shapes [${aShape.join(', ')}] and [${bShape.join(', ')}] differ outside the frame axis`);
  }
  const plane = ah * aw;
  const t = ta + tb;
  const out = new Float32Array(ab * ac * t * plane);
  for (let k = 0; k < ab * ac; k++) {
    out.set(a.subarray(k * ta * plane, (k + 1) * ta * plane), k * t * plane);
    out.set(b.subarray(k * tb * plane, (k + 1) * tb * plane), (k * t + ta) * plane);
  }
  return out;
}

/**
 * acc[:, :, idx] = acc[:, :, idx] + part and count[idx] = count[idx] + 1, in place.
 * part is (b, c, |idx|, h, w) with b, c, h, w of accShape. A repeated index behaves like torch's
 * advanced-index assignment: the last occurrence wins and its counter grows by 1 only.
 */
export function scatterAddFrames(
  acc: Float32Array,
  accShape: Shape5,
  part: Float32Array,
  frameIdx: readonly number[],
  count?: Float32Array | Int32Array | number[],
): void {
  const [b, c, t, h, w] = dims(accShape, 'scatterAddFrames');
  checkLength(acc, accShape, 'scatterAddFrames', 'acc');
  checkIndices(frameIdx, t, 'scatterAddFrames');
  const k = frameIdx.length;
  checkLength(part, [b, c, k, h, w], 'scatterAddFrames', 'part');
  if (count && count.length !== t) throw new Error(`scatterAddFrames: count has ${count.length} entries, expected ${t}`);
  const lastPos = new Map<number, number>();
  frameIdx.forEach((ti, j) => lastPos.set(ti, j));
  const plane = h * w;
  for (const [ti, j] of lastPos) {
    for (let bc = 0; bc < b * c; bc++) {
      const dst = (bc * t + ti) * plane;
      const src = (bc * k + j) * plane;
      for (let p = 0; p < plane; p++) acc[dst + p] += part[src + p];
    }
    if (count) count[ti] += 1;
  }
}

/** acc[:, :, ti] /= count[ti], in place (count from scatterAddFrames). Throws on an uncovered frame. */
export function divideByCount(acc: Float32Array, accShape: Shape5, count: ArrayLike<number>): void {
  const [b, c, t, h, w] = dims(accShape, 'divideByCount');
  checkLength(acc, accShape, 'divideByCount', 'acc');
  if (count.length !== t) throw new Error(`divideByCount: count has ${count.length} entries, expected ${t}`);
  for (let ti = 0; ti < t; ti++) {
    if (!(count[ti] > 0)) throw new Error(`divideByCount: frame ${ti} is covered by no window (count ${count[ti]})`);
  }
  const plane = h * w;
  for (let bc = 0; bc < b * c; bc++) {
    for (let ti = 0; ti < t; ti++) {
      const o = (bc * t + ti) * plane;
      const n = count[ti];
      for (let p = 0; p < plane; p++) acc[o + p] = acc[o + p] / n;
    }
  }
}

/** torch.cat([x] * n, dim=0): (b, …) → (n·b, …). */
export function repeatBatch(x: Float32Array, shape: Shape5, n: number): Float32Array<ArrayBuffer> {
  dims(shape, 'repeatBatch');
  checkLength(x, shape, 'repeatBatch');
  if (!Number.isInteger(n) || n < 1) throw new Error(`repeatBatch: n must be a positive integer, got ${n}`);
  const out = new Float32Array(x.length * n);
  for (let r = 0; r < n; r++) out.set(x, r * x.length);
  return out;
}

/** Remove the listed frames (e.g. the first n_vis frames of a chained shot, spec §1.6); the rest keep their order. */
export function dropFrames(x: Float32Array, shape: Shape5, frameIdx: readonly number[]): Float32Array<ArrayBuffer> {
  const t = dims(shape, 'dropFrames')[2];
  checkIndices(frameIdx, t, 'dropFrames');
  const drop = new Set(frameIdx);
  const keep: number[] = [];
  for (let ti = 0; ti < t; ti++) if (!drop.has(ti)) keep.push(ti);
  return gatherFrames(x, shape, keep);
}

/** The shape with the frame axis replaced: withFrames([1, 4, 12, 8, 8], 5) → [1, 4, 5, 8, 8]. */
export function withFrames(shape: Shape5, t: number): number[] {
  const [b, c, , h, w] = dims(shape, 'withFrames');
  return [b, c, t, h, w];
}
