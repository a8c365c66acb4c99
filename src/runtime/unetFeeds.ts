/**
 * The UNet's extra inputs for the referencenet families (ip_tokens, ip_scale, ref_d0 … ref_mid) and
 * IP-Adapter FaceID packs (face_tokens, face_scale), fed when the graph has them (models/README.md,
 * "Graph I/O contract"). `tensor` turns a pipeline tensor into a feed (the resident loop passes its
 * once-per-shot uploads).
 */
import type { UnetConditioning, TensorF32 } from '../pipeline/networks';
import { UNET_REFERENCE_INPUTS } from '../packs/validateManifest';
import type { Ort, OrtTensor } from './ortTypes';

export function unetConditioningFeeds(
  ort: Ort,
  inputs: Set<string>,
  c: UnetConditioning | undefined,
  tensor: (name: string, t: TensorF32) => OrtTensor,
  what: string,
): Record<string, OrtTensor> {
  const feeds: Record<string, OrtTensor> = {};
  const scalar = (v: number) => new ort.Tensor('float32', Float32Array.of(v), [1]);
  if (inputs.has('ip_tokens') || inputs.has('ref_mid')) {
    if (!c?.ipTokens || !c.reference) throw new Error(`${what}: this pack's UNet needs IP-Adapter tokens and ReferenceNet features`);
    if (inputs.has('ip_tokens')) {
      feeds.ip_tokens = tensor('ip_tokens', c.ipTokens);
      feeds.ip_scale = scalar(c.ipScale ?? 1);
    }
    for (const name of UNET_REFERENCE_INPUTS) if (inputs.has(name)) feeds[name] = tensor(name, c.reference[name]);
  }
  if (inputs.has('face_tokens')) {
    if (!c?.faceTokens) throw new Error(`${what}: this pack's UNet needs IP-Adapter FaceID face tokens`);
    feeds.face_tokens = tensor('face_tokens', c.faceTokens);
    feeds.face_scale = scalar(c.faceScale ?? 1);
  }
  return feeds;
}
