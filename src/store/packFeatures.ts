/**
 * What a model pack can do, read from its manifest (family and optional graphs, see
 * src/packs/manifest.ts and spec §2.4, §4.5, §4.8):
 * - referencenet families (musev_referencenet, musev_referencenet_pose) take a ReferenceNet image
 *   and an IP-Adapter image (the manifest validator requires referencenet, image_proj, clip_vision);
 * - first-frame generation and redraw need `unet_spatial` (the UNet with temporal layers skipped);
 * - IP-Adapter FaceID packs (any family; face_detector, face_embedder, face_proj) take a face image.
 */
export interface PackFeatures {
  family: string;
  referenceImage: boolean;
  ipAdapterImage: boolean;
  firstFrameGeneration: boolean;
  faceImage: boolean;
}

export function isReferenceNetFamily(family: string): boolean {
  return family === 'musev_referencenet' || family === 'musev_referencenet_pose';
}

/** Features of a pack from its family and the names of its graphs. */
export function packFeatures(family: string, graphNames: readonly string[]): PackFeatures {
  const ref = isReferenceNetFamily(family);
  const face = ['face_detector', 'face_embedder', 'face_proj'].every((g) => graphNames.includes(g));
  return { family, referenceImage: ref, ipAdapterImage: ref, firstFrameGeneration: graphNames.includes('unet_spatial'), faceImage: face };
}

/** Features from a raw (untrusted) manifest; null when it has no family. */
export function featuresOfManifest(json: unknown): PackFeatures | null {
  if (typeof json !== 'object' || json === null) return null;
  const m = json as Record<string, unknown>;
  if (typeof m.family !== 'string') return null;
  const graphs = typeof m.graphs === 'object' && m.graphs !== null ? Object.keys(m.graphs) : [];
  return packFeatures(m.family, graphs);
}

/** "ReferenceNet image, IP-Adapter image, first-frame generation" style list; "" when none. */
export function describeFeatures(f: PackFeatures): string {
  const parts: string[] = [];
  if (f.referenceImage) parts.push('reference image (ReferenceNet)');
  if (f.ipAdapterImage) parts.push('IP-Adapter image');
  if (f.faceImage) parts.push('face image (IP-Adapter FaceID)');
  if (f.firstFrameGeneration) parts.push('first-frame generation / redraw');
  return parts.join(', ');
}

/** Why first-frame generation/redraw is off for this pack, or null when it is available. */
export function firstFrameUnavailableReason(f: PackFeatures | null): string | null {
  if (!f) return 'the model pack is not read yet';
  return f.firstFrameGeneration ? null : 'this model pack has no unet_spatial graph';
}
