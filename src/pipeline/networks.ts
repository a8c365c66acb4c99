/**
 * The networks the pipeline needs, as small interfaces. `src/runtime/` implements them with
 * onnxruntime-web sessions; tests implement them with plain functions.
 *
 * Tensors are row-major Float32Arrays with an explicit shape. Latents are (b, c, t, h, w).
 */
export type Shape = number[];

export interface TensorF32 {
  data: Float32Array;
  shape: Shape;
}

export interface TextEncoderNet {
  /** ids: `batch` rows of `maxLength` token ids → last_hidden_state (batch, maxLength, D). */
  encode(ids: number[][]): Promise<TensorF32>;
}

export interface VaeEncoderNet {
  /** image (1, 3, H, W) in [-1, 1] → unscaled latent mean (1, 4, H/8, W/8). */
  encodeMean(image: TensorF32): Promise<TensorF32>;
}

export interface DenoiserNet {
  /**
   * One UNet3D call. sample (b, 4, T, h, w) with the clean condition frame at t = 0;
   * context (b, L, D); frameIndex has T entries. Returns noise_pred (b, 4, T, h, w).
   */
  predict(sample: TensorF32, timestep: number, context: TensorF32, frameIndex: number[]): Promise<TensorF32>;
}

export interface VaeDecoderNet {
  /** latent (1, 4, h, w), already divided by the scaling factor → image (1, 3, 8h, 8w), ~[-1, 1]. */
  decode(latent: TensorF32): Promise<TensorF32>;
}

export interface Networks {
  textEncoder: TextEncoderNet;
  vaeEncoder: VaeEncoderNet;
  unet: DenoiserNet;
  vaeDecoder: VaeDecoderNet;
}
