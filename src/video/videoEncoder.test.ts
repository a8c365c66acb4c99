import { describe, expect, it } from 'vitest';
import type { EncodeRequest, VideoEncodeRequest, VideoFormat } from '../rpc/encoderApi';
import { AppErrorException, appError } from '../rpc/errors';
import type { WebCodecsSupport } from './chooseEncoder';
import { createVideoEncoder } from './videoEncoder';

const FRAMES: EncodeRequest = { frames: [new Uint8ClampedArray(64 * 64 * 4)], width: 64, height: 64, fps: 8 };

function setup(support: WebCodecsSupport, webcodecsFails = false) {
  const calls: string[] = [];
  const api = createVideoEncoder({
    ffmpeg: {
      encodeMp4: async () => ({ mp4: new Uint8Array([1]), mimeType: 'video/mp4', ms: 1 }),
      encodeFormat: async (_r, format: VideoFormat) => {
        calls.push(`ffmpeg:${format}`);
        return { bytes: new Uint8Array([2]), mimeType: `ff/${format}`, extension: format, codec: 'libx', ms: 1 };
      },
    },
    probe: async () => {
      calls.push('probe');
      return support;
    },
    webcodecs: async (_r, codecString, container) => {
      calls.push(`webcodecs:${codecString}:${container}`);
      if (webcodecsFails) throw appError('encode-failed', 'boom', 'EncodingError: x');
      return new Uint8Array([3]);
    },
    now: () => 0,
  });
  const encode = (format: VideoFormat, encoder: VideoEncodeRequest['encoder']) => api.encode({ ...FRAMES, format, encoder }, () => undefined);
  return { calls, encode };
}

describe('createVideoEncoder', () => {
  it('auto + MP4 with H.264 support: WebCodecs, with the codec string and why', async () => {
    const { calls, encode } = setup({ avc: 'avc1.42001e', vp9: null });
    const out = await encode('mp4', 'auto');
    expect(out).toMatchObject({ encoder: 'webcodecs', codec: 'avc1.42001e', mimeType: 'video/mp4', extension: 'mp4', bytes: new Uint8Array([3]) });
    expect(out.reason).toMatch(/^auto: this browser encodes H\.264/);
    expect(calls).toEqual(['probe', 'webcodecs:avc1.42001e:mp4']);
  });

  it('auto + WebM without VP9: ffmpeg, and the reason names the missing codec', async () => {
    const { calls, encode } = setup({ avc: 'avc1.42001e', vp9: null });
    const out = await encode('webm', 'auto');
    expect(out).toMatchObject({ encoder: 'ffmpeg', mimeType: 'ff/webm' });
    expect(out.reason).toMatch(/cannot encode VP9/);
    expect(calls).toEqual(['probe', 'ffmpeg:webm']);
  });

  it('GIF, PNG frames and a chosen ffmpeg skip the probe', async () => {
    const { calls, encode } = setup({ avc: 'avc1.42001e', vp9: 'vp09.00.10.08' });
    await encode('gif', 'auto');
    await encode('png-zip', 'auto');
    await encode('mp4', 'ffmpeg');
    expect(calls).toEqual(['ffmpeg:gif', 'ffmpeg:png-zip', 'ffmpeg:mp4']);
  });

  it('auto retries with ffmpeg when WebCodecs fails mid-encode; a chosen WebCodecs does not', async () => {
    const auto = setup({ avc: 'avc1.42001e', vp9: null }, true);
    const out = await auto.encode('mp4', 'auto');
    expect(out.encoder).toBe('ffmpeg');
    expect(out.reason).toMatch(/failed while encoding \(EncodingError: x\)/);
    const forced = setup({ avc: 'avc1.42001e', vp9: null }, true);
    await expect(forced.encode('mp4', 'webcodecs')).rejects.toBeInstanceOf(AppErrorException);
    expect(forced.calls).toEqual(['probe', 'webcodecs:avc1.42001e:mp4']);
  });

  it('impossible or unknown requests are bad-input', async () => {
    const { encode } = setup({ avc: null, vp9: null });
    for (const [format, encoder, text] of [
      ['gif', 'webcodecs', /only MP4 and WebM/],
      ['mp4', 'webcodecs', /cannot encode H\.264/],
      ['avi', 'auto', /Unknown video format/],
      ['mp4', 'fast', /Unknown encoder/],
    ] as const) {
      const e = await encode(format as VideoFormat, encoder as 'auto').then(() => null, (x: unknown) => x);
      expect((e as AppErrorException).appError).toMatchObject({ code: 'bad-input', message: expect.stringMatching(text) });
    }
  });
});
