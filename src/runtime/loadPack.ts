/**
 * Loads a model pack: manifest (validated), tokenizer, and one session per graph on the chosen
 * backend. Sessions are created once per pack and reused across generations.
 */
import { ClipTokenizer } from '../core/clipTokenizer';
import type { PipelineConfig } from '../pipeline/options';
import type { Networks } from '../pipeline/networks';
import type { PackManifest } from '../packs/manifest';
import { GRAPH_NAMES, OPTIONAL_GRAPH_NAMES, validateManifest } from '../packs/validateManifest';
import { appError } from '../rpc/errors';
import type { ProgressCallback } from '../rpc/progress';
import { ortNetworks, type NetworkSessions } from './ortNetworks';
import type { Ort, OrtSession } from './ortTypes';
import { readVerified, type PackSource } from './packSource';
import { attachResidentLoop, countedGraphSession } from './residentPack';
import { newRunCounters, type RunCounters } from './runCounters';
import { createGraphSession, onceReader, type SessionTarget, type VerifiedReader } from './sessions';
import type { StepGraphBytes } from './stepGraphs';

export interface LoadedPack {
  manifest: PackManifest;
  tokenizer: ClipTokenizer;
  networks: Networks;
  sessions: NetworkSessions;
  pipelineConfig: PipelineConfig;
  /** Session runs, time and GPU → CPU bytes since the load (runCounters.ts). */
  counters: RunCounters;
  release(): Promise<void>;
}

export interface LoadExtras {
  /** The step graphs (public/graphs): with them, WebGPU runs the GPU-resident loop (residentPack.ts). */
  stepGraphs?: StepGraphBytes;
}

export async function readManifest(source: PackSource): Promise<PackManifest> {
  const bytes = await source.readBytes('manifest.json');
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw appError('pack-corrupt', `The model pack's manifest.json (${source.label}) is not valid JSON. Re-download the pack.`, String(e));
  }
  const r = validateManifest(json);
  if (!r.ok) {
    const incompatible = r.errors.some((e) => e.startsWith('manifest.format'));
    throw appError(
      incompatible ? 'pack-incompatible' : 'pack-corrupt',
      incompatible
        ? `This model pack (${source.label}) was made for another version of MuseV Web. Export it again with this version's exporter.`
        : `The model pack's manifest (${source.label}) is broken: ${r.errors.slice(0, 3).join('; ')}${r.errors.length > 3 ? ` (+${r.errors.length - 3} more)` : ''}.`,
      r.errors.join('\n'),
    );
  }
  return r.manifest;
}

/** Loads the pack at `source`; pass `manifest` when the caller has already read and validated it. */
export async function loadPack(
  ort: Ort,
  source: PackSource,
  target: SessionTarget,
  onProgress: ProgressCallback,
  manifest?: PackManifest,
  extras: LoadExtras = {},
): Promise<LoadedPack> {
  manifest ??= await readManifest(source);
  const text = async (ref: PackManifest['tokenizer']['vocab']) => new TextDecoder().decode(await readVerified(source, ref));
  const tok = manifest.tokenizer;
  const tokenizer = new ClipTokenizer({
    vocab: JSON.parse(await text(tok.vocab)) as Record<string, number>,
    merges: await text(tok.merges),
    bosTokenId: tok.bosTokenId,
    eosTokenId: tok.eosTokenId,
    padTokenId: tok.padTokenId,
    maxLength: tok.maxLength,
    addedTokens: tok.addedTokens,
  });
  const sessions: Partial<NetworkSessions> = {};
  // Shared while loading (graphs may share a data file); dropped after, so that no file's bytes
  // stay in memory for the pack's lifetime through the recreate closures below.
  let read: VerifiedReader | undefined = onceReader(source);
  const counters = newRunCounters();
  const gpu = target.backend === 'webgpu';
  const counting = { counters, gpu, resident: gpu && !!extras.stepGraphs };
  try {
    for (const name of [...GRAPH_NAMES, ...OPTIONAL_GRAPH_NAMES]) {
      const graph = manifest.graphs[name];
      if (!graph) continue; // optional graphs only where the pack has them
      onProgress({ type: 'stage', stage: 'load-pack', message: `Loading ${name.replace('_', ' ')}` });
      // fresh: a session made anew after a failed run reads its files again (runCounters.ts)
      const create = (o: Ort, fresh: boolean) => createGraphSession(o, fresh || !read ? onceReader(source) : read, name, graph, target);
      sessions[name] = await countedGraphSession(name, create, ort, counting);
    }
  } catch (e) {
    await Promise.all(Object.values(sessions).map((s) => (s as OrtSession).release()));
    throw e;
  } finally {
    read = undefined;
  }
  const s = sessions as NetworkSessions;
  const networks = ortNetworks(ort, s);
  const steps = counting.resident
    ? await attachResidentLoop(ort, networks, s, {
        stepGraphs: extras.stepGraphs!, device: target.device, counters,
        onWarning: (message) => onProgress({ type: 'log', level: 'warn', message }),
      })
    : undefined;
  return {
    manifest,
    tokenizer,
    sessions: s,
    networks,
    counters,
    pipelineConfig: {
      scheduler: manifest.scheduler,
      vaeScalingFactor: manifest.vae.scalingFactor,
      latentChannels: manifest.vae.latentChannels,
      vaeDownscale: manifest.vae.downscale,
      frameIndexUsesMotionSpeed: manifest.unet.frameIndexUsesMotionSpeed,
      unetConditioning: manifest.family !== 'musev',
      clipImage: manifest.clipVision,
      ipAdapterTokens: manifest.unet.ipAdapter?.tokens,
      faceAnalysis: manifest.faceAnalysis,
      faceTokens: manifest.unet.ipAdapterFace?.tokens,
    },
    async release() {
      await Promise.all([...Object.values(s), ...Object.values(steps ?? {})].map((x) => x?.release()));
    },
  };
}
