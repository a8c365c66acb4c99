import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CRF,
  EncodeSpecError,
  buildMp4Args,
  formatFps,
  rawInputBytes,
  validateEncodeSize,
} from './ffmpegArgs';

/** Value following `flag` (first occurrence after `from`). */
function valueOf(args: string[], flag: string, from = 0): string | undefined {
  const i = args.indexOf(flag, from);
  return i < 0 ? undefined : args[i + 1];
}

describe('buildMp4Args', () => {
  const args = buildMp4Args({ width: 128, height: 64, fps: 7 });
  const inputAt = args.indexOf('-i');

  it('reads one raw RGBA file at the given size and rate', () => {
    expect(args.slice(0, inputAt + 2)).toEqual([
      '-f', 'rawvideo', '-pix_fmt', 'rgba', '-s', '128x64', '-r', '7', '-i', 'frames.rgba',
    ]);
  });

  it('writes H.264 yuv420p with the default CRF, faststart and a pinned output rate', () => {
    const out = args.slice(inputAt + 2);
    expect(valueOf(out, '-c:v')).toBe('libx264');
    expect(valueOf(out, '-pix_fmt')).toBe('yuv420p');
    expect(valueOf(out, '-crf')).toBe(String(DEFAULT_CRF));
    expect(DEFAULT_CRF).toBe(17);
    expect(valueOf(out, '-movflags')).toBe('+faststart');
    expect(valueOf(out, '-r')).toBe('7');
    expect(out).toContain('-an');
    expect(out[out.length - 1]).toBe('out.mp4');
  });

  it('tags and converts with BT.709 so players do not guess the matrix', () => {
    expect(valueOf(args, '-vf')).toBe('scale=out_color_matrix=bt709:out_range=tv');
    expect(valueOf(args, '-colorspace')).toBe('bt709');
    expect(valueOf(args, '-color_range')).toBe('tv');
  });

  it('takes crf, preset and file names as parameters', () => {
    const a = buildMp4Args(
      { width: 512, height: 320, fps: 30 },
      { crf: 5, preset: 'veryfast', inputName: 'in.raw', outputName: 'x.mp4' },
    );
    expect(valueOf(a, '-crf')).toBe('5');
    expect(valueOf(a, '-preset')).toBe('veryfast');
    expect(valueOf(a, '-i')).toBe('in.raw');
    expect(valueOf(a, '-s')).toBe('512x320');
    expect(a[a.length - 1]).toBe('x.mp4');
  });

  it('passes fractional frame rates as decimals', () => {
    const a = buildMp4Args({ width: 64, height: 64, fps: 29.97 });
    expect(valueOf(a, '-r')).toBe('29.97');
    expect(formatFps(30000 / 1001)).toBe('29.97003');
    expect(formatFps(12)).toBe('12');
  });

  it('rejects odd sizes with a message that says why (yuv420p)', () => {
    expect(() => buildMp4Args({ width: 127, height: 64, fps: 7 })).toThrow(EncodeSpecError);
    expect(() => buildMp4Args({ width: 128, height: 63, fps: 7 })).toThrow(/height must be even.*yuv420p/);
  });

  it('rejects non-integer, zero, negative and huge sizes', () => {
    for (const [w, h] of [
      [0, 64],
      [-64, 64],
      [64.5, 64],
      [64, Number.NaN],
      [16384, 64],
    ]) {
      expect(() => validateEncodeSize(w, h)).toThrow(EncodeSpecError);
    }
    expect(() => validateEncodeSize(2, 2)).not.toThrow();
    expect(() => validateEncodeSize(8192, 4320)).not.toThrow();
  });

  it('rejects bad frame rates and CRFs', () => {
    for (const fps of [0, -1, Number.POSITIVE_INFINITY, Number.NaN, 1000]) {
      expect(() => buildMp4Args({ width: 64, height: 64, fps })).toThrow(/Frame rate/);
    }
    for (const crf of [-1, 52, 17.5]) {
      expect(() => buildMp4Args({ width: 64, height: 64, fps: 7 }, { crf })).toThrow(/CRF/);
    }
  });
});

describe('rawInputBytes', () => {
  it('is frames * width * height * 4 (the worked example)', () => {
    expect(rawInputBytes(11, 128, 64)).toBe(360_448);
  });
});
