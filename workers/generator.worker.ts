/// <reference lib="webworker" />
/**
 * Generator worker: owns the GPU device and every ONNX session; exposes GeneratorApi with comlink.
 * onnxruntime-web's wasm is self-hosted (bundled by Vite), never fetched from a CDN.
 */
import * as Comlink from 'comlink';
import * as ort from 'onnxruntime-web/webgpu';
import ortWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import { createGeneratorService } from '../src/runtime/generatorService';
import { configureOrt } from '../src/runtime/ortEnv';
import { opfsStorage } from '../src/packs/opfsStorage';
import { httpPackSource } from '../src/runtime/packSource';
import { storedPackId, storedPackSource } from '../src/runtime/storedPackSource';
import { fetchStepGraphs } from '../src/runtime/stepGraphs';
import { probeWebGpu } from '../src/runtime/webgpuDevice';

configureOrt(ort, { wasmUrl: ortWasmUrl });
const packs = opfsStorage();
Comlink.expose(
  createGeneratorService({
    ort,
    // "opfs:<packId>": an installed pack, read from OPFS (never the network); else a manifest URL.
    sourceFor: (ref) => {
      const id = storedPackId(ref);
      return id !== null ? storedPackSource(packs, id) : httpPackSource(new URL('.', ref).href);
    },
    probeWebGpu: () => probeWebGpu(),
    // The GPU-resident loop's step graphs, served with the app (public/graphs, sha256-checked on load).
    stepGraphs: fetchStepGraphs(new URL(import.meta.env.BASE_URL, self.location.origin).href),
  }),
);
