import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inspectMp4 } from './inspectMp4';

// Written by e2e/encoder.spec.ts (ffmpeg.wasm in Chromium): 11 gradient frames, 128x64, 7 fps.
const fixture = new Uint8Array(readFileSync(new URL('./__fixtures__/gradient-11f-7fps-128x64.mp4', import.meta.url)));

describe('inspectMp4 (demux only: Node has no WebCodecs decoder)', () => {
  it('reads packets, rate, size and codec of our encoder output', async () => {
    const info = await inspectMp4(fixture, { decode: false });
    expect(info).toMatchObject({
      frameCount: null,
      packetCount: 11,
      fps: 7,
      width: 128,
      height: 64,
      codec: 'avc',
      container: 'MP4',
    });
    expect(info.codecString).toMatch(/^avc1\.64/); // H.264 High profile (libx264 default for yuv420p)
    expect(info.durationS).toBeCloseTo(11 / 7, 6);
  });

  it('rejects bytes that are not a media file', async () => {
    await expect(inspectMp4(new Uint8Array(64), { decode: false })).rejects.toThrow();
  });
});
