/**
 * WebGPU capability probe and device creation.
 *
 * We create the GPUDevice ourselves (the native WebGPU EP ignores env.webgpu settings) with the
 * adapter's full buffer limits, `shader-f16` when present, and WITHOUT `subgroups` /
 * `subgroup-size-control`: onnxruntime-web 1.30's flash-attention subgroup path returns wrong
 * numbers on some adapters (web-platform-notes, "MultiHeadAttention").
 */
import type { BackendInfo } from '../rpc/generatorApi';
import { adapterCapabilities } from '../rpc/gpuCapabilities';

export interface WebGpuProbe {
  info: BackendInfo;
  device?: GPUDevice;
}

export async function probeWebGpu(gpu: GPU | undefined = (globalThis.navigator as Navigator | undefined)?.gpu): Promise<WebGpuProbe> {
  if (!gpu) return { info: { backend: 'wasm', reason: 'This browser has no WebGPU (navigator.gpu is missing).', shaderF16: false } };
  let adapter: GPUAdapter | null = null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (e) {
    return { info: { backend: 'wasm', reason: `WebGPU adapter request failed: ${String(e)}`, shaderF16: false } };
  }
  if (!adapter) return { info: { backend: 'wasm', reason: 'No WebGPU adapter is available (GPU blocked or disabled).', shaderF16: false } };
  const caps = adapterCapabilities(adapter);
  const shaderF16 = caps.features.shaderF16;
  try {
    const device = await adapter.requestDevice({
      requiredFeatures: shaderF16 ? ['shader-f16'] : [],
      requiredLimits: {
        maxBufferSize: adapter.limits.maxBufferSize,
        maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
        maxComputeWorkgroupStorageSize: adapter.limits.maxComputeWorkgroupStorageSize,
        maxComputeInvocationsPerWorkgroup: adapter.limits.maxComputeInvocationsPerWorkgroup,
        maxComputeWorkgroupSizeX: adapter.limits.maxComputeWorkgroupSizeX,
        maxComputeWorkgroupSizeY: adapter.limits.maxComputeWorkgroupSizeY,
        maxComputeWorkgroupSizeZ: adapter.limits.maxComputeWorkgroupSizeZ,
      },
    });
    return { info: { backend: 'webgpu', shaderF16, gpu: caps }, device };
  } catch (e) {
    return { info: { backend: 'wasm', reason: `Could not create a WebGPU device: ${String(e)}`, shaderF16, gpu: caps }, device: undefined };
  }
}
