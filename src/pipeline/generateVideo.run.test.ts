/**
 * The whole run (generateVideo) on toy networks against the PyTorch reference pipeline
 * (models/reference/pipeline.py driven by the same toy networks, models/golden/pipeline_toy_run.py):
 * n_batch chaining on one generator (with the Euler step's draws), guidance schedules, the 'uniform'
 * schedule, random noise, image-based noise off, frame_index · motion_speed, first frame generated
 * or redrawn on the spatial UNet. Also the progress events of shots and of the first frame.
 */
import { describe, expect, it } from 'vitest';
import type { ProgressEvent } from '../rpc/progress';
import { toyNetworks, type UnetCall } from './__fixtures__/toyNetworks';
import { toyRunConfig, toyRunGolden as golden, toyRunRequest as requestFor, toyRunTokenizer as tokenizer } from './__fixtures__/toyRun';
import { generateVideo } from './generateVideo';

describe('generateVideo whole run (toy networks vs the PyTorch reference pipeline)', () => {
  for (const c of golden.cases) {
    it(c.name, async () => {
      const calls: UnetCall[] = [];
      const spatial: UnetCall[] = [];
      const events: ProgressEvent[] = [];
      const out = await generateVideo(toyNetworks(calls, spatial, c.refnet), tokenizer, toyRunConfig(c), requestFor(c), (e) => events.push(e));
      expect(out.latents.shape).toEqual(c.latents_shape);
      let maxDiff = 0;
      out.latents.data.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - c.latents[i]))));
      expect(maxDiff).toBeLessThan(1e-4);
      expect(out.frames.length).toBe(c.latents_shape[2]);

      const r = c.request;
      const shots = r.nBatch ?? 1;
      const steps = events.filter((e) => e.type === 'step');
      expect(steps.filter((e) => !e.firstFrame).length).toBe(r.steps * shots);
      expect(new Set(steps.filter((e) => !e.firstFrame).map((e) => (e.type === 'step' ? `${e.shot}/${e.shots}` : '')))).toEqual(
        new Set(Array.from({ length: shots }, (_, k) => `${k}/${shots}`)),
      );
      if ((r.firstFrame ?? 'image') !== 'image') {
        // T = 1 calls on the spatial UNet, no condition frame, frame_index [0]
        expect(spatial.length).toBe(r.firstFrameSteps);
        expect(spatial.every((x) => x.sample.shape[2] === 1 && x.frameIndex.length === 1)).toBe(true);
        expect(steps.filter((e) => e.firstFrame).length).toBe(r.firstFrameSteps);
      } else {
        expect(spatial.length).toBe(0);
      }
      // referencenet families: every UNet call gets the same conditioning object of the run phase
      if (c.refnet) expect([...calls, ...spatial].every((x) => x.conditioning?.ipTokens?.shape[0] === 2)).toBe(true);
      else expect([...calls, ...spatial].every((x) => !x.conditioning)).toBe(true);
      if (c.anivv1) expect(calls[0].frameIndex).toEqual(calls[0].frameIndex.map((_, j) => Math.trunc(j * r.motionSpeed)));
    });
  }
});
