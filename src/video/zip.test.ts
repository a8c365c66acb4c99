import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { crc32, unzipStore, zipStore } from './zip';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('crc32', () => {
  it('matches the standard check values', () => {
    expect(crc32(bytes('123456789'))).toBe(0xcbf43926);
    expect(crc32(bytes('hi'))).toBe(0xd8932aac);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });
});

describe('zipStore', () => {
  it('writes the worked example: one 2-byte file "a.txt" is 110 bytes', () => {
    const zip = zipStore([{ name: 'a.txt', data: bytes('hi') }]);
    expect(zip.byteLength).toBe(110);
    expect([...zip.subarray(0, 4)]).toEqual([0x50, 0x4b, 0x03, 0x04]);
    expect([...zip.subarray(88, 92)]).toEqual([0x50, 0x4b, 0x05, 0x06]);
  });

  it('round-trips names and bytes in order, and is deterministic', () => {
    const entries = [
      { name: 'frame-0001.png', data: new Uint8Array([1, 2, 3, 250]) },
      { name: 'frame-0002.png', data: new Uint8Array(1000).map((_, i) => i * 7) },
      { name: 'empty', data: new Uint8Array(0) },
    ];
    const zip = zipStore(entries);
    const back = unzipStore(zip);
    expect(back.map((e) => e.name)).toEqual(entries.map((e) => e.name));
    back.forEach((e, i) => expect([...e.data]).toEqual([...entries[i].data]));
    expect([...zipStore(entries)]).toEqual([...zip]);
  });

  it('unzipStore notices a corrupted byte', () => {
    const zip = zipStore([{ name: 'x', data: bytes('hello') }]);
    zip[31 + 1] ^= 0xff; // inside the data ("x" is 1 byte, data starts at 31)
    expect(() => unzipStore(zip)).toThrow(/CRC mismatch/);
  });

  it.runIf(hasUnzip())('`unzip -t` accepts the archive', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zip-'));
    const file = join(dir, 't.zip');
    writeFileSync(file, zipStore([{ name: 'a.txt', data: bytes('hi') }, { name: 'dir/b.bin', data: new Uint8Array(300).fill(9) }]));
    expect(execFileSync('unzip', ['-t', file]).toString()).toMatch(/No errors detected/);
  });
});

function hasUnzip(): boolean {
  try {
    execFileSync('unzip', ['-v']);
    return true;
  } catch {
    return false;
  }
}
