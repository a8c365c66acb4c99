/**
 * Verifiers for the image outputs, like inspectMp4 is for video: decode a GIF with WebCodecs'
 * `ImageDecoder`, and read a PNG-frames zip (zip.ts) and decode every PNG with `createImageBitmap`.
 * Browser only (both APIs are missing in Node). Used by the e2e tests.
 */
import { unzipStore } from './zip';

export interface ImagesInfo {
  /** Frames that decoded. */
  frameCount: number;
  width: number;
  height: number;
  /** GIF: frames per second from the first frame's delay (GIF stores 1/100 s: 7 fps -> 14 cs -> 7.143). Zip: null. */
  fps: number | null;
  /** Zip: the file names in order. GIF: empty. */
  names: string[];
}

export async function inspectGif(bytes: Uint8Array | ArrayBuffer): Promise<ImagesInfo> {
  const decoder = new ImageDecoder({ data: bytes, type: 'image/gif' });
  try {
    await decoder.tracks.ready;
    await decoder.completed;
    const track = decoder.tracks.selectedTrack;
    if (!track) throw new Error('The GIF has no image track.');
    let width = 0;
    let height = 0;
    let firstDurationUs = 0;
    for (let i = 0; i < track.frameCount; i++) {
      const { image } = await decoder.decode({ frameIndex: i });
      if (i === 0) [width, height, firstDurationUs] = [image.displayWidth, image.displayHeight, image.duration ?? 0];
      else if (image.displayWidth !== width || image.displayHeight !== height) throw new Error(`GIF frame ${i} is ${image.displayWidth}x${image.displayHeight}, not ${width}x${height}.`);
      image.close();
    }
    const fps = firstDurationUs > 0 ? Math.round((1e6 / firstDurationUs) * 1000) / 1000 : null;
    return { frameCount: track.frameCount, width, height, fps, names: [] };
  } finally {
    decoder.close();
  }
}

export async function inspectPngZip(bytes: Uint8Array): Promise<ImagesInfo> {
  const entries = unzipStore(bytes);
  let width = 0;
  let height = 0;
  for (const [i, e] of entries.entries()) {
    const bitmap = await createImageBitmap(new Blob([e.data as Uint8Array<ArrayBuffer>], { type: 'image/png' }));
    if (i === 0) [width, height] = [bitmap.width, bitmap.height];
    else if (bitmap.width !== width || bitmap.height !== height) throw new Error(`${e.name} is ${bitmap.width}x${bitmap.height}, not ${width}x${height}.`);
    bitmap.close();
  }
  return { frameCount: entries.length, width, height, fps: null, names: entries.map((e) => e.name) };
}
