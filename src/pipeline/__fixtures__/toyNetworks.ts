/**
 * Toy networks simple enough to write twice: here and in models/golden/pipeline_toy.py. The
 * pipeline tests run MuseV's loop on them and compare with the PyTorch reference's numbers.
 */
import type { PipelineConfig } from '../options';
import type { DenoiserNet, Networks, TensorF32, UnetConditioning } from '../networks';

export const TOY_CONFIG: PipelineConfig = {
  scheduler: {
    _class_name: 'EulerDiscreteScheduler', num_train_timesteps: 1000, beta_start: 0.00085, beta_end: 0.012,
    beta_schedule: 'scaled_linear', prediction_type: 'epsilon', timestep_spacing: 'linspace', steps_offset: 1,
    interpolation_type: 'linear', use_karras_sigmas: false,
  } as PipelineConfig['scheduler'],
  vaeScalingFactor: 0.18215,
  latentChannels: 4,
  vaeDownscale: 8,
  frameIndexUsesMotionSpeed: false,
};

export interface UnetCall { sample: TensorF32; timestep: number; frameIndex: number[]; conditioning?: UnetConditioning }

const meanOfBatch = (t: TensorF32, b: number) => {
  const n = t.data.length / t.shape[0];
  let s = 0;
  for (let i = 0; i < n; i++) s += t.data[b * n + i];
  return s / n;
};

/**
 * eps = 0.1·x + 0.05·mean_t(x) + 0.002·t/1000 + 0.3·mean(E[b]) + 0.01·frame_index[j] (pipeline_toy.py
 * toy_unet), + 0.05·ip_scale·mean(P[b]) + 0.02·mean(ref_d0[b]) + 0.03·mean(ref_mid[b]) with conditioning
 * (pipeline_toy_run.py unet), + 0.04·face_scale·mean(F[b]) with face tokens (faceConditioning.test.ts).
 */
export function toyUnet(calls: UnetCall[]): DenoiserNet {
  return {
    async predict(sample, timestep, context, frameIndex, conditioning) {
      calls.push({ sample: { data: sample.data.slice(), shape: sample.shape.slice() }, timestep, frameIndex: frameIndex.slice(), conditioning });
      const [B, C, T, h, w] = sample.shape;
      const hw = h * w;
      const L = context.shape[1] * context.shape[2];
      const out = new Float32Array(sample.data.length);
      for (let b = 0; b < B; b++) {
        let em = 0;
        for (let i = 0; i < L; i++) em += context.data[b * L + i];
        em /= L;
        const c = conditioning;
        let extra = 0;
        if (c?.ipTokens && c.reference) extra += 0.05 * (c.ipScale ?? 0) * meanOfBatch(c.ipTokens, b) + 0.02 * meanOfBatch(c.reference.ref_d0, b) + 0.03 * meanOfBatch(c.reference.ref_mid, b);
        if (c?.faceTokens) extra += 0.04 * (c.faceScale ?? 0) * meanOfBatch(c.faceTokens, b);
        for (let c = 0; c < C; c++) for (let p = 0; p < hw; p++) {
          let mean = 0;
          for (let t = 0; t < T; t++) mean += sample.data[((b * C + c) * T + t) * hw + p];
          mean /= T;
          for (let t = 0; t < T; t++) {
            const i = ((b * C + c) * T + t) * hw + p;
            out[i] = 0.1 * sample.data[i] + 0.05 * mean + 0.002 * (timestep / 1000) + 0.3 * em + 0.01 * frameIndex[t] + extra;
          }
        }
      }
      return { data: out, shape: sample.shape.slice() };
    },
  };
}

/** Toy image conditioning of pipeline_toy_run.py: CLIP S = 8, 6-d embeds, 2 IP tokens of 8, D0 and M features. */
export const TOY_CLIP = { imageSize: 8, mean: [0.5, 0.4, 0.3] as [number, number, number], std: [0.25, 0.2, 0.3] as [number, number, number] };

function toyImageConditioning(): Pick<Networks, 'clipVision' | 'imageProj' | 'referenceNet'> {
  return {
    // e[b, j] = mean(px[b, j % 3]) · (1 + j) / 6
    clipVision: {
      async imageEmbeds(px) {
        const [B, , S] = px.shape;
        const data = new Float32Array(B * 6);
        for (let b = 0; b < B; b++) for (let j = 0; j < 6; j++) {
          let s = 0;
          const o = (b * 3 + (j % 3)) * S * S;
          for (let p = 0; p < S * S; p++) s += px.data[o + p];
          data[b * 6 + j] = ((s / (S * S)) * (1 + j)) / 6;
        }
        return { data, shape: [B, 6] };
      },
    },
    // P[b, k, d] = tanh(e[b, (8k + d) % 6]·(k + 1) + 0.01·d)
    imageProj: {
      async project(e) {
        const B = e.shape[0];
        const data = new Float32Array(B * 16);
        for (let b = 0; b < B; b++) for (let k = 0; k < 2; k++) for (let d = 0; d < 8; d++)
          data[(b * 2 + k) * 8 + d] = Math.tanh(e.data[b * 6 + ((8 * k + d) % 6)] * (k + 1) + 0.01 * d);
        return { data, shape: [B, 2, 8] };
      },
    },
    // ref_d0 = z·mean(ctx[b]) + 0.001·t;  ref_mid = mean_hw(z) + 0.1
    referenceNet: {
      async features(z, t, ctx) {
        const [B, C, h, w] = z.shape;
        const d0 = new Float32Array(z.data.length);
        const mid = new Float32Array(B * C);
        for (let b = 0; b < B; b++) {
          const m = meanOfBatch(ctx, b);
          for (let c = 0; c < C; c++) {
            let s = 0;
            for (let p = 0; p < h * w; p++) {
              const i = (b * C + c) * h * w + p;
              d0[i] = z.data[i] * m + 0.001 * t;
              s += z.data[i];
            }
            mid[b * C + c] = s / (h * w) + 0.1;
          }
        }
        return { ref_d0: { data: d0, shape: [B, C, h, w] }, ref_mid: { data: mid, shape: [B, C, 1, 1] } };
      },
    },
  };
}

/**
 * The toy networks of pipeline_toy.py; `spatialCalls` gives them a unet_spatial (the same toy UNet),
 * `imageConditioning` the toy CLIP vision / image_proj / ReferenceNet of pipeline_toy_run.py.
 */
export function toyNetworks(calls: UnetCall[], spatialCalls?: UnetCall[], imageConditioning = false): Networks {
  return {
    ...(imageConditioning ? toyImageConditioning() : {}),
    textEncoder: {
      async encode(ids) {
        const D = 8;
        const data = new Float32Array(ids.length * 77 * D);
        ids.forEach((row, b) => row.forEach((id, l) => {
          for (let d = 0; d < D; d++) data[(b * 77 + l) * D + d] = Math.sin(0.01 * id * (d + 1));
        }));
        return { data, shape: [ids.length, 77, D] };
      },
    },
    vaeEncoder: {
      async encodeMean(img) {
        const [, , H, W] = img.shape;
        const h = H / 8, w = W / 8;
        const out = new Float32Array(4 * h * w);
        for (let k = 0; k < 3; k++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
          let s = 0;
          for (let dy = 0; dy < 8; dy++) for (let dx = 0; dx < 8; dx++) s += img.data[(k * H + y * 8 + dy) * W + x * 8 + dx];
          out[(k * h + y) * w + x] = s / 64;
          if (k === 0) out[(3 * h + y) * w + x] = -s / 64;
        }
        return { data: out, shape: [1, 4, h, w] };
      },
    },
    unet: toyUnet(calls),
    unetSpatial: spatialCalls ? toyUnet(spatialCalls) : undefined,
    vaeDecoder: {
      async decode(z) {
        const [, , h, w] = z.shape;
        const H = h * 8, W = w * 8;
        const out = new Float32Array(3 * H * W);
        for (let k = 0; k < 3; k++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
          const p = Math.floor(y / 8) * w + Math.floor(x / 8);
          out[(k * H + y) * W + x] = Math.tanh(z.data[k * h * w + p] + 0.5 * z.data[3 * h * w + p]);
        }
        return { data: out, shape: [1, 3, H, W] };
      },
    },
  };
}
