import { describe, expect, it } from 'vitest';
import { FrameProgress, frameFromLog, frameFromTime } from './ffmpegProgress';

describe('frameFromLog', () => {
  it('reads the stats line', () => {
    expect(frameFromLog('frame=    5 fps=0.0 q=0.0 size=       0kB time=00:00:00.00 bitrate=N/A speed=   0x')).toBe(5);
    expect(frameFromLog('frame=11 fps=3.2 q=-1.0 Lsize=      9kB')).toBe(11);
  });
  it('ignores other lines', () => {
    expect(frameFromLog('[libx264 @ 0x1] frame I:1     Avg QP:12.00  size:  1234')).toBeNull();
    expect(frameFromLog('Input #0, rawvideo, from frames.rgba:')).toBeNull();
    expect(frameFromLog('keyframe=3')).toBeNull();
  });
});

describe('frameFromTime', () => {
  it('converts microseconds at fps to whole frames', () => {
    expect(frameFromTime(1_000_000, 7)).toBe(7);
    expect(frameFromTime(1_571_428, 7)).toBe(10);
    expect(frameFromTime(1_571_429, 7)).toBe(11);
    expect(frameFromTime(0, 30)).toBe(0);
  });
  it('rejects unusable times', () => {
    expect(frameFromTime(-1, 7)).toBeNull();
    expect(frameFromTime(Number.NaN, 7)).toBeNull();
  });
});

describe('FrameProgress', () => {
  it('emits monotonically, clamps to frames, and finishes at frames/frames', () => {
    const seen: Array<[number, number]> = [];
    const p = new FrameProgress(11, (f, n) => seen.push([f, n]));
    p.onLog('frame=    3 fps=0.0');
    p.onTime(2_000_000, 7); // 14 -> clamped to 11
    p.onLog('frame=    5 fps=0.0'); // backwards: ignored
    p.finish(); // already at 11: ignored
    expect(seen).toEqual([
      [3, 11],
      [11, 11],
    ]);
  });
  it('finish() emits when nothing was reported', () => {
    const seen: number[] = [];
    const p = new FrameProgress(4, (f) => seen.push(f));
    p.finish();
    expect(seen).toEqual([4]);
  });
});
