import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Sha256, sha256Hex } from './sha256';

const nodeHex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
/** Deterministic pseudo-random bytes (xorshift32). */
function bytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

describe('Sha256', () => {
  it('gives the FIPS 180-4 examples', () => {
    const enc = new TextEncoder();
    expect(sha256Hex(new Uint8Array(0))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex(enc.encode('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex(enc.encode('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'))).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
  });

  it('equals Node crypto for every length around the padding boundaries', () => {
    const data = bytes(300, 7);
    for (let n = 0; n <= 200; n++) expect(sha256Hex(data.subarray(0, n)), `length ${n}`).toBe(nodeHex(data.subarray(0, n)));
  });

  it('is the same however the input is cut into chunks', () => {
    const data = bytes(100_003, 3);
    const want = nodeHex(data);
    for (const size of [1, 7, 63, 64, 65, 4096, 65_536]) {
      const h = new Sha256();
      for (let i = 0; i < data.length; i += size) h.update(data.subarray(i, i + size));
      expect(h.hex(), `chunks of ${size}`).toBe(want);
    }
  });

  it('one flipped bit changes the hash; digest() twice gives the same bytes; update after digest throws', () => {
    const data = bytes(1000, 9);
    const flipped = data.slice();
    flipped[500] ^= 1;
    expect(sha256Hex(flipped)).not.toBe(sha256Hex(data));
    const h = new Sha256().update(data);
    expect(Array.from(h.digest())).toEqual(Array.from(h.digest()));
    expect(() => h.update(data)).toThrow(/after digest/);
  });
});
