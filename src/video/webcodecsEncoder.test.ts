import { describe, expect, it } from 'vitest';
import { codecCandidates, encoderConfig, probeWebCodecs } from './webcodecsEncoder';

describe('codecCandidates', () => {
  it('H.264: High, Main, Baseline at the level the size needs', () => {
    expect(codecCandidates('avc', 256, 256)).toEqual(['avc1.64001e', 'avc1.4d001e', 'avc1.42001e']);
    expect(codecCandidates('avc', 1280, 720)[2]).toBe('avc1.42001f');
    expect(codecCandidates('avc', 2048, 1024)[0]).toBe('avc1.640028');
    expect(codecCandidates('avc', 8192, 4320)[0]).toBe('avc1.640034');
  });

  it('VP9: profile 0, 8 bit, level from luma samples', () => {
    expect(codecCandidates('vp9', 128, 64)).toEqual(['vp09.00.10.08']);
    expect(codecCandidates('vp9', 256, 256)).toEqual(['vp09.00.11.08']);
    expect(codecCandidates('vp9', 1920, 1080)).toEqual(['vp09.00.40.08']);
    expect(codecCandidates('vp9', 8192, 8192)).toEqual(['vp09.00.60.08']);
  });
});

describe('encoderConfig', () => {
  it('asks for AVC-format (length-prefixed) H.264, which MP4 needs, and a bit rate from the size', () => {
    expect(encoderConfig('avc1.42001e', 256, 256, 12)).toEqual({
      codec: 'avc1.42001e', width: 256, height: 256, bitrate: 393_216, framerate: 12, latencyMode: 'quality', avc: { format: 'avc' },
    });
    expect(encoderConfig('vp09.00.11.08', 256, 256, 12)).not.toHaveProperty('avc');
  });
});

describe('probeWebCodecs', () => {
  it('returns the first codec string the browser accepts, per codec', async () => {
    const asked: string[] = [];
    const support = await probeWebCodecs(256, 256, 12, async (c) => {
      asked.push(c.codec);
      return { supported: c.codec === 'avc1.42001e' };
    });
    expect(support).toEqual({ avc: 'avc1.42001e', vp9: null });
    expect(asked).toEqual(['avc1.64001e', 'avc1.4d001e', 'avc1.42001e', 'vp09.00.11.08']);
  });

  it('a throwing isConfigSupported counts as unsupported; no VideoEncoder at all means nothing is supported', async () => {
    expect(await probeWebCodecs(64, 64, 8, async (c) => {
      if (c.codec.startsWith('avc1')) throw new TypeError('bad codec');
      return { supported: true };
    })).toEqual({ avc: null, vp9: 'vp09.00.10.08' });
    expect(typeof (globalThis as { VideoEncoder?: unknown }).VideoEncoder).toBe('undefined'); // Node
    expect(await probeWebCodecs(64, 64, 8)).toEqual({ avc: null, vp9: null });
  });
});
