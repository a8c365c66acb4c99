import { describe, expect, it } from 'vitest';
import { onceReader } from './sessions';
import { sha256Hex, type PackSource } from './packSource';

describe('onceReader', () => {
  it('reads and verifies a file shared by two graphs once; a failed read is retried', async () => {
    const bytes = new TextEncoder().encode('weights');
    const reads: string[] = [];
    let fail = true;
    const source: PackSource = {
      label: 'test',
      async readBytes(path) {
        reads.push(path);
        if (path === 'flaky.bin' && fail) {
          fail = false;
          throw new Error('network');
        }
        return bytes;
      },
    };
    const ref = { file: 'unet.onnx.data', bytes: bytes.length, sha256: await sha256Hex(bytes) };
    const read = onceReader(source);
    const [a, b] = await Promise.all([read(ref), read(ref)]);
    expect(a).toBe(b);
    expect(reads).toEqual(['unet.onnx.data']);

    const flaky = { ...ref, file: 'flaky.bin' };
    await expect(read(flaky)).rejects.toThrow('network');
    await expect(read(flaky)).resolves.toBe(bytes);
    expect(reads.filter((p) => p === 'flaky.bin')).toHaveLength(2);
  });

  it('still rejects a file whose hash does not match', async () => {
    const source: PackSource = { label: 'test', readBytes: async () => new Uint8Array([1, 2, 3]) };
    const read = onceReader(source);
    await expect(read({ file: 'x.bin', bytes: 3, sha256: '0'.repeat(64) })).rejects.toMatchObject({ appError: { code: 'pack-corrupt' } });
  });
});
