/**
 * The GPU-resident loop for a loaded pack (residentLoop.ts): on WebGPU, the UNet sessions return
 * noise_pred as GPU tensors ('gpu-buffer'), the step graphs' sessions are created once per pack
 * load, and networks.unet / unetSpatial get the `resident` capability that denoise() uses. Every
 * session is wrapped by countedSession (runCounters.ts), so a benchmark sees bytes read back and
 * time inside the UNet, and a 'gpu-buffer' session is made anew after a failed run.
 */
import type { Networks } from '../pipeline/networks';
import type { NetworkSessions } from './ortNetworks';
import type { Ort, OrtSession } from './ortTypes';
import { residentDenoiser } from './residentLoop';
import { countedSession, type RunCounters } from './runCounters';
import { createStepSessions, type StepGraphBytes, type StepSessions } from './stepGraphs';

export const isUnetGraph = (name: string) => name === 'unet' || name === 'unet_spatial';

/** `ort` whose InferenceSession.create asks for every output on the GPU (onnxruntime's 'gpu-buffer'). */
export function withOutputsOnGpu(ort: Ort): Ort {
  type Options = Parameters<Ort['InferenceSession']['create']>[1];
  const create = ((model: Uint8Array, options?: Options) =>
    // a split graph's parts name their own locations (integer crossing tensors stay on the CPU)
    ort.InferenceSession.create(model, { ...options, preferredOutputLocation: options?.preferredOutputLocation ?? 'gpu-buffer' })) as Ort['InferenceSession']['create'];
  return { ...ort, InferenceSession: { ...ort.InferenceSession, create } } as Ort;
}

/** Creates a pack graph's session, counted; `recreate` given for sessions with GPU outputs. */
export async function countedGraphSession(
  name: string,
  create: (ort: Ort, fresh: boolean) => Promise<OrtSession>,
  ort: Ort,
  o: { counters: RunCounters; gpu: boolean; resident: boolean },
): Promise<OrtSession> {
  const onGpu = o.resident && isUnetGraph(name);
  const make = (fresh: boolean) => {
    o.counters.sessionsCreated++;
    return create(onGpu ? withOutputsOnGpu(ort) : ort, fresh);
  };
  return countedSession(await make(false), { counters: o.counters, gpu: o.gpu, kind: isUnetGraph(name) ? 'unet' : 'other', recreate: onGpu ? () => make(true) : undefined });
}

/**
 * Creates the step sessions and gives the UNets the resident capability. Returns the step sessions
 * (to release with the pack), or undefined when they could not be made: the CPU loop then runs.
 */
export async function attachResidentLoop(
  ort: Ort,
  networks: Networks,
  sessions: NetworkSessions,
  o: { stepGraphs: StepGraphBytes; device?: GPUDevice; counters: RunCounters; onWarning(message: string): void },
): Promise<StepSessions | undefined> {
  let steps: StepSessions;
  try {
    steps = await createStepSessions(ort, o.stepGraphs, { backend: 'webgpu', device: o.device }, o.counters);
  } catch (e) {
    o.onWarning(`The GPU-resident denoising loop is off (its step graphs could not be loaded: ${String(e)}); latents go through the CPU every step.`);
    return undefined;
  }
  const deps = { ort, steps, counters: o.counters, device: o.device };
  networks.unet.resident = residentDenoiser({ ...deps, unet: sessions.unet });
  if (networks.unetSpatial && sessions.unet_spatial) networks.unetSpatial.resident = residentDenoiser({ ...deps, unet: sessions.unet_spatial, what: 'spatial UNet' });
  return steps;
}
