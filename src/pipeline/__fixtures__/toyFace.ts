/**
 * Toy IP-Adapter FaceID networks (insightface detector / embedder, MLPProjModel) for the pipeline's
 * face tests. The detector finds one face (stride 8, anchor 10: cell (1, 1), centre (8, 8)) unless the
 * canvas is black; the embedder and projection are small formulas so results can be recomputed.
 */
import type { FaceAnalysisConfig } from '../../core/faceDetect';
import type { FaceNets, TensorF32 } from '../networks';
import type { PipelineConfig } from '../options';
import { TOY_CONFIG } from './toyNetworks';

export const TOY_FACE_ANALYSIS: FaceAnalysisConfig = { detectorSize: 32, scoreThreshold: 0.5, nmsThreshold: 0.4, strides: [8, 16, 32], anchorsPerCell: 2, alignSize: 112 };
export const TOY_FACE_CONFIG: PipelineConfig = { ...TOY_CONFIG, faceAnalysis: TOY_FACE_ANALYSIS, faceTokens: 2 };
/** The face the toy detector reports, in canvas pixels: eyes, nose, mouth corners around (8, 8). */
export const TOY_KPS_CANVAS = [5, 6, 11, 6, 8, 8, 6, 11, 10, 11];

export interface FaceCalls { detect: TensorF32[]; embed: TensorF32[]; project: TensorF32[] }

export function toyFaceNets(calls: FaceCalls = { detect: [], embed: [], project: [] }): FaceNets {
  return {
    detector: {
      async detect(image) {
        calls.detect.push(image);
        const S = image.shape[2];
        const black = image.data.every((v) => v === -127.5 / 128);
        const out: Record<string, Float32Array> = {};
        for (const s of [8, 16, 32]) {
          const n = (S / s) ** 2 * 2;
          out[`score_${s}`] = new Float32Array(n).fill(0.1);
          out[`bbox_${s}`] = new Float32Array(4 * n).fill(0.5);
          out[`kps_${s}`] = new Float32Array(10 * n);
        }
        if (!black) {
          out.score_8[10] = 0.9;
          out.bbox_8.set([1, 1, 1, 1], 40);
          out.kps_8.set(TOY_KPS_CANVAS.map((v) => (v - 8) / 8), 100);
        }
        return out;
      },
    },
    // e[j] = mean(blob channel j % 3)·(1 + j) + 0.1, 4 numbers
    embedder: {
      async embed(face) {
        calls.embed.push(face);
        const n = face.shape[2] * face.shape[3];
        const data = new Float32Array(4);
        for (let j = 0; j < 4; j++) {
          let s = 0;
          for (let p = 0; p < n; p++) s += face.data[(j % 3) * n + p];
          data[j] = (s / n) * (1 + j) + 0.1;
        }
        return { data, shape: [1, 4] };
      },
    },
    // F[b, k, d] = tanh(id[b, (8k + d) % 4]·(k + 1) + 0.01·d), 2 tokens of 8
    proj: {
      async project(ids) {
        calls.project.push(ids);
        const B = ids.shape[0];
        const data = new Float32Array(B * 16);
        for (let b = 0; b < B; b++) for (let k = 0; k < 2; k++) for (let d = 0; d < 8; d++)
          data[(b * 2 + k) * 8 + d] = Math.tanh(ids.data[b * 4 + ((8 * k + d) % 4)] * (k + 1) + 0.01 * d);
        return { data, shape: [B, 2, 8] };
      },
    },
  };
}
