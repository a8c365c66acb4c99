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
import { httpPackSource } from '../src/runtime/packSource';
import { probeWebGpu } from '../src/runtime/webgpuDevice';

configureOrt(ort, { wasmUrl: ortWasmUrl });
Comlink.expose(
  createGeneratorService({
    ort,
    sourceFor: (manifestUrl) => httpPackSource(new URL('.', manifestUrl).href),
    probeWebGpu: () => probeWebGpu(),
  }),
);
