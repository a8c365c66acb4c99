/**
 * Tensors a GPU-resident shot uploads once and feeds many times (residentLoop.ts): on WebGPU each
 * is a device buffer we own (STORAGE | COPY_SRC | COPY_DST, written with queue.writeBuffer) wrapped
 * by Tensor.fromGpuBuffer, so onnxruntime reads it in place on every run; without a device (wasm,
 * Node tests) it is a plain CPU tensor kept across runs. `dispose` destroys the buffers.
 */
import type { TensorF32 } from '../pipeline/networks';
import type { Ort, OrtTensor } from './ortTypes';

export class Uploads {
  private readonly byKey = new Map<string, OrtTensor>();
  private readonly buffers: GPUBuffer[] = [];
  /** Bytes written to the device so far (a benchmark may read it). */
  bytesUploaded = 0;

  constructor(private readonly ort: Ort, private readonly device?: GPUDevice) {}

  /** The tensor for `key`, made by `make` on first use. */
  tensor(key: string, make: () => TensorF32): OrtTensor {
    let t = this.byKey.get(key);
    if (!t) {
      const { data, shape } = make();
      t = this.device ? this.upload(data, shape) : new this.ort.Tensor('float32', data, shape);
      this.byKey.set(key, t);
    }
    return t;
  }

  owns(t: OrtTensor): boolean {
    for (const v of this.byKey.values()) if (v === t) return true;
    return false;
  }

  private upload(data: Float32Array, shape: number[]): OrtTensor {
    const device = this.device!;
    // GPUBufferUsage.STORAGE | COPY_SRC | COPY_DST (numbers: the Node typecheck has no GPU globals)
    const buffer = device.createBuffer({ size: Math.max(16, Math.ceil(data.byteLength / 16) * 16), usage: 0x80 | 0x04 | 0x08 });
    device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
    this.buffers.push(buffer);
    this.bytesUploaded += data.byteLength;
    return this.ort.Tensor.fromGpuBuffer(buffer, { dataType: 'float32', dims: shape });
  }

  dispose(): void {
    for (const t of this.byKey.values()) t.dispose();
    for (const b of this.buffers) b.destroy();
    this.byKey.clear();
    this.buffers.length = 0;
  }
}
