/**
 * Resuming a run from its checkpoints (what the generator does after a lost GPU device): from every
 * checkpoint of every toy-run case (n_batch chaining, first frame generated / redrawn, referencenet
 * conditioning, the decode-only checkpoint after the last shot), the resumed run gives the
 * uninterrupted run's latents and frames exactly, and makes only the UNet calls that were left.
 */
import { describe, expect, it } from 'vitest';
import type { RunCheckpoint } from '../rpc/generatorApi';
import { toyNetworks, type UnetCall } from './__fixtures__/toyNetworks';
import { toyRunConfig, toyRunGolden as golden, toyRunRequest as requestFor, toyRunTokenizer as tokenizer } from './__fixtures__/toyRun';
import { generateVideo } from './generateVideo';

describe('generateVideo resumed from a checkpoint = the uninterrupted run', () => {
  for (const c of golden.cases) {
    it(c.name, async () => {
      const cfg = toyRunConfig(c);
      const run = async (resume?: RunCheckpoint, onCheckpoint?: (k: RunCheckpoint) => void) => {
        const calls: UnetCall[] = [];
        const spatial: UnetCall[] = [];
        const out = await generateVideo(toyNetworks(calls, spatial, c.refnet), tokenizer, cfg, { ...requestFor(c), resume }, () => {}, undefined, undefined, onCheckpoint);
        return { out, calls: calls.length, spatial: spatial.length };
      };
      const checkpoints: RunCheckpoint[] = [];
      const full = await run(undefined, (k) => checkpoints.push(k));
      const shots = c.request.nBatch ?? 1;
      const steps = c.request.steps;
      // one at each shot's start, one after each step, one when only decoding is left
      expect(checkpoints.length).toBe(shots * (steps + 1) + 1);
      expect(checkpoints.at(-1)).toMatchObject({ shot: shots, step: 0, resumes: 0 });
      const callsPerStep = full.calls / (shots * steps);
      for (const k of checkpoints) {
        const resumed = await run(k);
        expect(resumed.out.latents.data).toEqual(full.out.latents.data);
        expect(resumed.out.frames).toEqual(full.out.frames);
        const done = Math.min(k.shot, shots) * steps + (k.shot < shots ? k.step : 0);
        expect(resumed.calls).toBe(full.calls - done * callsPerStep);
        expect(resumed.spatial).toBe(0); // the first frame is never made again
      }
    });
  }
});
