/** Readers for src/core/__golden__/face_analysis.json (models/golden/face_analysis.py). Tests only. */
import golden from '../__golden__/face_analysis.json';

export { golden };
export const bytes = (b64: string) => new Uint8Array(Buffer.from(b64, 'base64'));
export const floats = (b64: string) => {
  const b = bytes(b64);
  return new Float32Array(b.buffer, b.byteOffset, b.length / 4);
};

/** The golden script's formula image: v(x, y, c) = (3x + 5y + 40c + 5·((x² + 3y² + 7c) mod 17)) mod 256, RGB. */
export function formulaImage(w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < 3; c++) out[(y * w + x) * 3 + c] = (3 * x + 5 * y + 40 * c + 5 * ((x * x + 3 * y * y + 7 * c) % 17)) % 256;
  return out;
}

/** How many bytes differ, and by how much at most. */
export function byteDiff(a: Uint8Array, b: Uint8Array): { differ: number; worst: number } {
  let differ = 0;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d) differ++;
    worst = Math.max(worst, d);
  }
  return { differ, worst };
}

export function fnv1a(a: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < a.length; i++) h = Math.imul(h ^ a[i], 0x01000193) >>> 0;
  return h;
}
