import type { AppError } from '../rpc/errors';

/** The reference image as the app holds it: decoded RGBA at its natural size + a preview URL. */
export interface LoadedImage {
  name: string;
  type: string;
  bytes: number;
  width: number;
  height: number;
  rgba: Uint8ClampedArray<ArrayBuffer>;
  /** Object URL of the original file, for the <img> preview; revoked when replaced. */
  url: string;
}

export interface DecodedImage {
  width: number;
  height: number;
  rgba: Uint8ClampedArray<ArrayBuffer>;
}

export const MAX_IMAGE_BYTES = 50 * 1024 * 1024;
export const MAX_IMAGE_SIDE = 8192;

const IMAGE_EXT = /\.(png|jpe?g|webp|gif|bmp|avif)$/i;

export const NOT_AN_IMAGE: AppError = {
  code: 'bad-image',
  message: 'This file is not an image we can read (PNG, JPEG, WebP). Try another file.',
};

const mb = (bytes: number) => (bytes / (1024 * 1024)).toFixed(1);

/**
 * Checks that need no decoding: MIME type (or, when the browser gives none, the extension) and
 * byte size. Returns null when the file may be decoded.
 */
export function validateImageFile(file: { name: string; type: string; size: number }): AppError | null {
  const looksLikeImage = file.type ? file.type.startsWith('image/') : IMAGE_EXT.test(file.name);
  if (!looksLikeImage) return { ...NOT_AN_IMAGE, detail: `${file.name}: type "${file.type || 'unknown'}"` };
  if (file.size === 0) return { ...NOT_AN_IMAGE, detail: `${file.name} is empty` };
  if (file.size > MAX_IMAGE_BYTES) {
    return {
      code: 'bad-image',
      message: `This image is too large (${mb(file.size)} MB). The limit is 50 MB; save it smaller and try again.`,
    };
  }
  return null;
}

/** Checks after decoding: each side at most 8192 px. */
export function validateImageDimensions(width: number, height: number): AppError | null {
  if (!(width > 0 && height > 0)) return { ...NOT_AN_IMAGE, detail: `decoded size ${width}x${height}` };
  if (width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE) {
    return {
      code: 'bad-image',
      message: `This image is ${width}×${height} pixels. The limit is ${MAX_IMAGE_SIDE} pixels on a side; resize it and try again.`,
    };
  }
  return null;
}

/** Decode a file to RGBA at natural size (browser only: createImageBitmap + OffscreenCanvas). */
export async function decodeImageFile(file: Blob): Promise<DecodedImage> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch (e) {
    // Undecodable = not an image we can read (wrong content behind an image type, or damaged).
    throw {
      ...NOT_AN_IMAGE,
      detail: `createImageBitmap failed: ${e instanceof Error ? e.message : String(e)}`,
    } satisfies AppError;
  }
  try {
    const tooBig = validateImageDimensions(bitmap.width, bitmap.height);
    if (tooBig) throw tooBig;
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext('2d');
    if (!ctx) throw { code: 'internal', message: 'This browser cannot read image pixels (no 2D canvas).' } satisfies AppError;
    ctx.drawImage(bitmap, 0, 0);
    const data = ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
    return { width: bitmap.width, height: bitmap.height, rgba: data };
  } finally {
    bitmap.close();
  }
}
