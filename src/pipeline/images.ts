/**
 * Pictures the pipeline conditions on (condition, refer and IP-Adapter images), in the two forms
 * MuseV uses them, and the VAE steps between pixels and latents (spec §1.3, §2.4, §4.9).
 *
 *   tensor  (1, 3, H, W) in [−1, 1] for the VAE encoder: x/255·2 − 1 (diffusers normalize)
 *   rgb     8-bit RGB, interleaved, for CLIP (MMCM converts to PIL with astype(uint8): truncation)
 * A user image comes as RGBA bytes (alpha composited on white). A generated or redrawn first frame
 * comes from the VAE decoder: MuseV keeps it as floats, v = clamp(x/2 + 0.5, 0, 1), and hands
 * v·255 on as the refer / IP image, so the VAE sees 2v − 1 (not re-quantised) and CLIP sees
 * trunc(v·255).
 */
import { rgbaToRgbU8 } from '../core/clipImage';
import { rgbaToTensor } from '../core/imageTensor';
import type { RgbaImage } from '../rpc/generatorApi';
import type { TensorF32, VaeDecoderNet, VaeEncoderNet } from './networks';

export interface PixelImage {
  width: number;
  height: number;
  tensor: Float32Array;
  rgb: Uint8Array;
}

export function pixelsFromRgba(img: RgbaImage): PixelImage {
  return { width: img.width, height: img.height, tensor: rgbaToTensor(img.rgba, img.width, img.height), rgb: rgbaToRgbU8(img.rgba) };
}

/** A decoded frame (raw VAE output (1, 3, H, W), ~[−1, 1]) as MuseV passes it on. */
export function pixelsFromDecoded(raw: Float32Array, width: number, height: number): PixelImage {
  const n = width * height;
  const f = Math.fround;
  const tensor = new Float32Array(3 * n);
  const rgb = new Uint8Array(3 * n);
  for (let c = 0; c < 3; c++) {
    for (let p = 0; p < n; p++) {
      const v = Math.min(1, Math.max(0, f(f(raw[c * n + p] / 2) + 0.5)));
      tensor[c * n + p] = f(f(v * 2) - 1);
      rgb[p * 3 + c] = Math.trunc(f(v * 255));
    }
  }
  return { width, height, tensor, rgb };
}

/** VAE mean · scaling_factor → (1, 4, 1, h, w). */
export async function encodeLatent(vae: VaeEncoderNet, img: PixelImage, scaling: number): Promise<TensorF32> {
  const mean = await vae.encodeMean({ data: img.tensor, shape: [1, 3, img.height, img.width] });
  const [, c, h, w] = mean.shape;
  return { data: mean.data.map((v) => v * scaling), shape: [1, c, 1, h, w] };
}

/** One latent frame (1, 4, h, w) → raw image (1, 3, 8h, 8w): x = vae(z / scaling). */
export async function decodeLatent(vae: VaeDecoderNet, z: Float32Array, shape: number[], scaling: number): Promise<Float32Array> {
  const img = await vae.decode({ data: z.map((v) => v / scaling), shape });
  return img.data;
}
