/**
 * Batch-dimension helpers for row-major tensors whose first dimension is the batch: stacking the
 * context windows of one UNet call and splitting the CFG halves (src/pipeline/unetBatch.ts).
 *
 * Worked example: x of shape (2, 3) = [[a, b, c], [d, e, f]]
 *   tileBatch(x, [2, 3], 2)      → (4, 3) [[a,b,c], [d,e,f], [a,b,c], [d,e,f]]
 *   sliceBatch(x, [2, 3], 1, 1)  → (1, 3) [[d,e,f]]
 *   concatBatch([x, x])          → same as tileBatch(x, [2, 3], 2)
 */

/** A row-major tensor with its shape (the pipeline's TensorF32 has this shape). */
export interface BatchTensor {
  data: Float32Array;
  shape: number[];
}

/** Elements per batch item. */
export function itemSize(shape: readonly number[]): number {
  return shape.slice(1).reduce((a, b) => a * b, 1);
}

/** k copies of the whole tensor along the batch: batch b·k, item order [x0 … x(b−1)] × k. */
export function tileBatch(x: Float32Array, shape: readonly number[], k: number): Float32Array<ArrayBuffer> {
  if (x.length !== shape.reduce((a, b) => a * b, 1)) throw new Error(`tileBatch: ${x.length} values for shape [${shape}]`);
  const out = new Float32Array(x.length * k);
  for (let i = 0; i < k; i++) out.set(x, i * x.length);
  return out;
}

/** Items [from, from + count) of the batch. */
export function sliceBatch(x: Float32Array, shape: readonly number[], from: number, count: number): Float32Array<ArrayBuffer> {
  const n = itemSize(shape);
  if (from < 0 || count < 1 || from + count > shape[0]) throw new Error(`sliceBatch: items [${from}, ${from + count}) of a batch of ${shape[0]}`);
  return x.slice(from * n, (from + count) * n);
}

/** Tensors of equal item shape, one after the other along the batch. */
export function concatBatch(parts: readonly Float32Array[]): Float32Array<ArrayBuffer> {
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Items [from, from + count) of a batch tensor, tiled k times: the layout of k windows stacked in
 * one UNet call (src/pipeline/unetBatch.ts). The input itself when it already is that (k = 1, all items).
 */
export function tileHalves(t: BatchTensor, from: number, count: number, k: number): BatchTensor {
  if (k === 1 && count === t.shape[0]) return t;
  const part = count === t.shape[0] ? t.data : sliceBatch(t.data, t.shape, from, count);
  return { data: k === 1 ? part : tileBatch(part, [count, ...t.shape.slice(1)], k), shape: [count * k, ...t.shape.slice(1)] };
}
