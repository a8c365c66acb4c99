/**
 * IP-Adapter FaceID face tokens (MuseV get_ip_adapter_face_emb with MMCM's
 * InsightFaceExtractorNormEmb = insightface FaceAnalysis(buffalo_l), det_size 640).
 *
 * Notation:
 *   B      2 with CFG ([uncond, cond]), else 1
 *   x      the face image as 8-bit RGB, already center-cropped and resized to (W, H) like the
 *          refer / IP images (a decoded frame: trunc(v·255), images.ts)
 *   faces  SCRFD(letterbox(x)), decoded, sorted by score, NMS'd               (core/faceDetect.ts)
 *   ê      ArcFace(norm_crop(x, faces[0].kps)) / ‖·‖                         (core/faceAlign.ts)
 *   F      face tokens (B, tokens, D) = [face_proj(0); face_proj(ê)]   (uncond = the projection of zeros)
 * Without a face image F is zeros and face_scale 0: the face branch adds exactly nothing, as MuseV's
 * skipped branch (refer_face_image None → no face embedding).
 *
 * Channel order (MUSEV_FACE_BGR): MMCM's extract_images turns the RGB frames into PIL images with
 * `convert_images(..., return_rgb_order="bgr")` (channels reversed) and then takes
 * `np.array(x.convert("RGB"))[:, :, ::-1]` (reversed again), so insightface, which expects BGR and
 * swaps to RGB in blobFromImage, gets RGB and hands both networks B, G, R planes. We feed them the
 * same planes, so the detector and ArcFace see what they see in MuseV.
 */
import { decodeScrfd, letterbox, rgbBlob, type FaceAnalysisConfig } from '../core/faceDetect';
import { arcfaceBlob, l2Normalize, normCrop } from '../core/faceAlign';
import { appError } from '../rpc/errors';
import type { PixelImage } from './images';
import type { FaceNets, TensorF32, UnetConditioning } from './networks';
import type { PipelineConfig } from './options';

/** Both face networks get B, G, R planes, as in MuseV (see the header). */
export const MUSEV_FACE_BGR = true;

export const NO_FACE_MESSAGE =
  'No face was found in the face image. Choose a face image with one clearly visible, front-facing face, or clear the face image slot (the condition image is used when it is empty).';

/** ê: the L2-normed ArcFace embedding of the best face in `img`; a 'bad-image' error when there is none. */
export async function faceEmbedding(face: FaceNets, cfg: FaceAnalysisConfig, img: PixelImage): Promise<Float32Array> {
  const S = cfg.detectorSize;
  const lb = letterbox(img.rgb, img.width, img.height, S);
  const out = await face.detector.detect({ data: rgbBlob(lb.canvas, S, S, 127.5, 128, MUSEV_FACE_BGR), shape: [1, 3, S, S] });
  const [best] = decodeScrfd(out, cfg, lb.detScale);
  if (!best) throw appError('bad-image', NO_FACE_MESSAGE);
  const A = cfg.alignSize;
  const crop = normCrop(img.rgb, img.width, img.height, best.kps, A);
  const e = await face.embedder.embed({ data: arcfaceBlob(crop, A, MUSEV_FACE_BGR), shape: [1, 3, A, A] });
  return l2Normalize(e.data);
}

/** F from ê: one projection call for both halves, rows [0; ê]. */
export async function faceTokensFromEmbedding(face: FaceNets, e: Float32Array, doCfg: boolean): Promise<TensorF32> {
  const d = e.length;
  if (!doCfg) return face.proj.project({ data: e, shape: [1, d] });
  const both = new Float32Array(2 * d);
  both.set(e, d);
  return face.proj.project({ data: both, shape: [2, d] });
}

/**
 * Face conditioning for one pipeline call, or undefined when the pack has no FaceID. `cache` keeps ê
 * per image so the first frame and the video (which may differ in B) run the detector once.
 */
export async function faceConditioningFor(
  face: FaceNets | undefined,
  cfg: PipelineConfig,
  o: { image?: PixelImage; scale: number; B: number; D: number },
  cache: Map<PixelImage, Float32Array>,
): Promise<Pick<UnetConditioning, 'faceTokens' | 'faceScale'> | undefined> {
  if (!cfg.faceAnalysis) return undefined;
  if (!face) throw new Error('faceConditioningFor: this pack has no face_detector / face_embedder / face_proj graphs');
  if (!o.image) {
    const tokens = cfg.faceTokens ?? 4;
    return { faceTokens: { data: new Float32Array(o.B * tokens * o.D), shape: [o.B, tokens, o.D] }, faceScale: 0 };
  }
  let e = cache.get(o.image);
  if (!e) {
    e = await faceEmbedding(face, cfg.faceAnalysis, o.image);
    cache.set(o.image, e);
  }
  return { faceTokens: await faceTokensFromEmbedding(face, e, o.B === 2), faceScale: o.scale };
}
