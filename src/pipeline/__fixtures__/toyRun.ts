/**
 * The whole-run golden cases (models/golden/pipeline_toy_run.py → __golden__/toy_run.json): the
 * requests, the tokenizer they were tokenized with, and each case's images and config.
 */
import { readFileSync } from 'node:fs';
import type { ClipTokenizer } from '../../core/clipTokenizer';
import type { GenerateRequest } from '../../rpc/generatorApi';
import type { PipelineConfig } from '../options';
import { TOY_CLIP, TOY_CONFIG } from './toyNetworks';

export interface RunCase {
  name: string; request: GenerateRequest; anivv1: boolean; refnet: boolean;
  image_rgb: number[] | null; refer_rgb: number[] | null; ip_rgb: number[] | null; latents: number[]; latents_shape: number[];
}

export const toyRunGolden = JSON.parse(readFileSync(new URL('../__golden__/toy_run.json', import.meta.url), 'utf8')) as {
  texts: Record<string, number[]>;
  cases: RunCase[];
};

/** The token ids the reference used (BOS and EOS/padding stripped, as ClipTokenizer.encode gives). */
export const toyRunTokenizer = {
  encode: (text: string) => toyRunGolden.texts[text].slice(1, toyRunGolden.texts[text].indexOf(49407)),
  bosTokenId: 49406, eosTokenId: 49407, padTokenId: 49407, maxLength: 77,
} as unknown as ClipTokenizer;

export function toyRunRequest(c: RunCase): GenerateRequest {
  const { width: W, height: H } = c.request;
  const image = (rgb: number[] | null) => {
    if (!rgb) return undefined;
    const rgba = new Uint8ClampedArray(W * H * 4);
    for (let p = 0; p < W * H; p++) {
      rgba.set(rgb.slice(p * 3, p * 3 + 3), p * 4);
      rgba[p * 4 + 3] = 255;
    }
    return { width: W, height: H, rgba };
  };
  return { ...c.request, image: image(c.image_rgb), referImage: image(c.refer_rgb), ipAdapterImage: image(c.ip_rgb) };
}

export function toyRunConfig(c: RunCase): PipelineConfig {
  return { ...TOY_CONFIG, frameIndexUsesMotionSpeed: c.anivv1, ...(c.refnet ? { unetConditioning: true, clipImage: TOY_CLIP, ipAdapterTokens: 2 } : {}) };
}
