/**
 * IP-Adapter tokens and ReferenceNet features for the referencenet families (spec §4.5, §4.8, §2.1).
 *
 * Notation:
 *   B        2 with CFG ([uncond, cond]), else 1
 *   e        CLIP image_embeds of the IP image, (1, Dclip): clip_vision(clipPixelValues(rgb))
 *   P        IP tokens (B, tokens, D) = [image_proj(0); image_proj(e)]  (uncond = the projection of zeros)
 *   z_ref    VAE mean · scaling of the refer image, (1, 4, h, w), duplicated to (B, 4, h, w)
 *            (the uncond half sees the same reference latent)
 *   R        ReferenceNet(z_ref, t = 0, context = P, or E when there is no IP image): ref_d0 … ref_d9, ref_mid
 * R is computed once per pipeline call and reused at every step and window (MuseV runs it at step 0).
 */
import { clipPixelValues } from '../core/clipImage';
import { repeatBatch } from '../core/latents';
import type { PipelineConfig } from './options';
import type { Networks, ReferenceFeatures, TensorF32, UnetConditioning } from './networks';
import { encodeLatent, type PixelImage } from './images';

export async function ipAdapterTokens(nets: Networks, cfg: PipelineConfig, img: PixelImage, doCfg: boolean): Promise<TensorF32> {
  if (!nets.clipVision || !nets.imageProj || !cfg.clipImage) throw new Error('ipAdapterTokens: this pack has no clip_vision / image_proj graphs');
  const S = cfg.clipImage.imageSize;
  const pixels = clipPixelValues(img.rgb, img.width, img.height, cfg.clipImage);
  const e = await nets.clipVision.imageEmbeds({ data: pixels, shape: [1, 3, S, S] });
  const d = e.data.length;
  if (!doCfg) return nets.imageProj.project(e);
  // One call for both halves: rows [0; e] → [image_proj(0); image_proj(e)].
  const both = new Float32Array(2 * d);
  both.set(e.data, d);
  return nets.imageProj.project({ data: both, shape: [2, d] });
}

/** ReferenceNet features of `referLatent` (1, 4, 1, h, w) with `context` (B, L, D). */
export async function referenceFeatures(nets: Networks, referLatent: TensorF32, context: TensorF32): Promise<ReferenceFeatures> {
  if (!nets.referenceNet) throw new Error('referenceFeatures: this pack has no referencenet graph');
  const [, c, , h, w] = referLatent.shape;
  const B = context.shape[0];
  const sample = repeatBatch(referLatent.data, [1, c, 1, h, w], B);
  return nets.referenceNet.features({ data: sample, shape: [B, c, h, w] }, 0, context);
}

/**
 * Everything a referencenet-family UNet call needs beyond the sample: P from the IP image (zeros
 * with ip_scale 0 when there is none: the IP branch then adds exactly 0, as MuseV's skipped
 * branch), and R from the refer image with context P (or E without an IP image).
 */
export async function conditioningFor(
  nets: Networks,
  cfg: PipelineConfig,
  o: { refer?: PixelImage; ip?: PixelImage; E: TensorF32; ipScale: number },
): Promise<UnetConditioning> {
  const B = o.E.shape[0];
  const doCfg = B === 2;
  let ipTokens: TensorF32;
  let ipScale = o.ipScale;
  if (o.ip) {
    ipTokens = await ipAdapterTokens(nets, cfg, o.ip, doCfg);
  } else {
    const tokens = cfg.ipAdapterTokens ?? 4;
    const D = o.E.shape[2];
    ipTokens = { data: new Float32Array(B * tokens * D), shape: [B, tokens, D] };
    ipScale = 0;
  }
  if (!o.refer) throw new Error('conditioningFor: the referencenet families need a refer image');
  const z = await encodeLatent(nets.vaeEncoder, o.refer, cfg.vaeScalingFactor);
  const reference = await referenceFeatures(nets, z, o.ip ? ipTokens : o.E);
  return { ipTokens, ipScale, reference };
}
