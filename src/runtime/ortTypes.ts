/** The onnxruntime module is passed in (the worker uses `onnxruntime-web/webgpu`, Node tests `onnxruntime-web`). */
import type * as OrtNs from 'onnxruntime-web';
export type Ort = typeof OrtNs;
export type OrtSession = OrtNs.InferenceSession;
export type OrtTensor = OrtNs.Tensor;
