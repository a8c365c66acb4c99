/**
 * Raw RGBA frames -> the one concatenated buffer ffmpeg's rawvideo demuxer reads.
 *
 * Example: 3 frames of 2x2 -> 3 * 2 * 2 * 4 = 48 bytes; frame k starts at byte k * 16.
 */
import { EncodeSpecError } from './ffmpegArgs';

/** Every frame must be exactly width*height*4 bytes, and there must be at least one. */
export function validateFrames(frames: ArrayLike<Uint8ClampedArray | Uint8Array>, width: number, height: number): void {
  if (frames.length === 0) {
    throw new EncodeSpecError('There are no frames to encode. Generate a video first.');
  }
  const expected = width * height * 4;
  for (let k = 0; k < frames.length; k++) {
    const f = frames[k];
    if (!f || f.byteLength !== expected) {
      throw new EncodeSpecError(
        `Frame ${k} has ${f ? f.byteLength : 0} bytes; a ${width}x${height} RGBA frame has ${expected}.`,
      );
    }
  }
}

/** Copies the frames back to back into one new buffer (validated first). */
export function concatFrames(frames: ArrayLike<Uint8ClampedArray | Uint8Array>, width: number, height: number): Uint8Array {
  validateFrames(frames, width, height);
  const frameBytes = width * height * 4;
  const out = new Uint8Array(frames.length * frameBytes);
  for (let k = 0; k < frames.length; k++) {
    const f = frames[k];
    out.set(new Uint8Array(f.buffer, f.byteOffset, f.byteLength), k * frameBytes);
  }
  return out;
}
