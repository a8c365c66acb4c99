import type { RgbaImage } from '../rpc/generatorApi';

/** Longest side of a gallery thumbnail, in pixels. */
export const THUMB_EDGE = 256;

/** A frame as a PNG of at most THUMB_EDGE on its longest side (browser: OffscreenCanvas). */
export async function encodeThumbPng(frame: RgbaImage): Promise<Blob> {
  const source = new OffscreenCanvas(frame.width, frame.height);
  const ctx = source.getContext('2d');
  if (!ctx) throw new Error('no 2D canvas');
  ctx.putImageData(new ImageData(new Uint8ClampedArray(frame.rgba), frame.width, frame.height), 0, 0);
  const scale = Math.min(1, THUMB_EDGE / Math.max(frame.width, frame.height));
  if (scale === 1) return source.convertToBlob({ type: 'image/png' });
  const out = new OffscreenCanvas(Math.max(1, Math.round(frame.width * scale)), Math.max(1, Math.round(frame.height * scale)));
  out.getContext('2d')!.drawImage(source, 0, 0, out.width, out.height);
  return out.convertToBlob({ type: 'image/png' });
}

/** A short unique entry id that sorts by time: base-36 milliseconds + random. */
export function newEntryId(now: number = Date.now()): string {
  const rand = crypto.getRandomValues(new Uint32Array(1))[0].toString(36);
  return `${now.toString(36)}-${rand}`;
}
