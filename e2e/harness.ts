/** Entry of e2e/harness.html: install the test hooks and say so. */
import { installVideoTestHooks } from '../src/video/testHooks';

installVideoTestHooks();
// onnxruntime-web/webgpu node-placement hook (e2e/webgpu-placement.spec.ts); a dynamic import keeps
// ORT out of the harness's main chunk. Specs wait for window.__ortPlacement.
void import('./ortPlacement').then((m) => m.installOrtPlacementHooks());
// GPU-resident denoising loop vs the CPU loop on WebGPU (e2e/webgpu.spec.ts); specs wait for window.__residentLoop.
void import('./residentLoopHook').then((m) => m.installResidentLoopHooks());
// A split UNet's chained parts vs the whole graph on WebGPU (e2e/split-webgpu.spec.ts); specs wait for window.__splitChain.
void import('./splitChainHook').then((m) => m.installSplitChainHooks());
// A GPU device lost mid-run, resumed on a new one (e2e/device-lost.spec.ts); specs wait for window.__deviceLost.
void import('./deviceLostHook').then((m) => m.installDeviceLostHooks());
const status = document.getElementById('status');
if (status) status.textContent = 'ready';
document.body.dataset.ready = 'true';
