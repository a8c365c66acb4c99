import { describe, expect, it } from 'vitest';
import { buildFfmpegJob, buildGifArgs, buildPngArgs, buildWebmArgs, pngFileNames, pngPattern, videoBitrate } from './ffmpegFormatArgs';

const SPEC = { width: 128, height: 64, fps: 7 };
const INPUT = ['-f', 'rawvideo', '-pix_fmt', 'rgba', '-s', '128x64', '-r', '7', '-i', 'frames.rgba'];

describe('ffmpeg format args', () => {
  it('WebM is VP8 (libvpx), yuv420p, output rate pinned (the worked example)', () => {
    expect(buildWebmArgs(SPEC).join(' ')).toBe(
      `${INPUT.join(' ')} -an -c:v libvpx -crf 10 -b:v 250000 -auto-alt-ref 0 -deadline good -cpu-used 2 -pix_fmt yuv420p -r 7 out.webm`,
    );
  });

  it('GIF makes one palette for all frames and loops', () => {
    const args = buildGifArgs(SPEC);
    expect(args.slice(0, INPUT.length)).toEqual(INPUT);
    expect(args[args.indexOf('-filter_complex') + 1]).toBe('[0:v]split[a][b];[a]palettegen=stats_mode=full[p];[b][p]paletteuse=dither=sierra2_4a');
    expect(args.slice(-5)).toEqual(['-loop', '0', '-r', '7', 'out.gif']);
  });

  it('PNG frames: image2 with numbered names from 1, wider numbers for 10,000+ frames', () => {
    expect(buildPngArgs(SPEC, 11).slice(INPUT.length)).toEqual(['-an', '-c:v', 'png', '-pix_fmt', 'rgb24', '-f', 'image2', '-start_number', '1', 'frames-%04d.png']);
    expect(pngPattern(12_000)).toBe('frames-%05d.png');
    expect(pngFileNames(3, 'p-')).toEqual(['p-0001.png', 'p-0002.png', 'p-0003.png']);
    expect(pngFileNames(10_000).at(-1)).toBe('frames-10000.png');
  });

  it('every format validates size and rate like MP4', () => {
    for (const format of ['mp4', 'webm', 'gif', 'png-zip'] as const) {
      expect(() => buildFfmpegJob(format, { width: 63, height: 64, fps: 7 }, 1, 't')).toThrow(/even/);
      expect(() => buildFfmpegJob(format, { width: 64, height: 64, fps: 0 }, 1, 't')).toThrow(/Frame rate/);
    }
  });

  it('jobs name their files by tag and list every output', () => {
    expect(buildFfmpegJob('mp4', SPEC, 11, '3')).toMatchObject({ outputs: ['out-3.mp4'], codec: 'libx264' });
    expect(buildFfmpegJob('mp4', SPEC, 11, '3').args).toContain('frames-3.rgba');
    expect(buildFfmpegJob('webm', SPEC, 11, '3')).toMatchObject({ outputs: ['out-3.webm'], codec: 'libvpx' });
    expect(buildFfmpegJob('gif', SPEC, 11, '3')).toMatchObject({ outputs: ['out-3.gif'], codec: 'gif' });
    const png = buildFfmpegJob('png-zip', SPEC, 11, '3');
    expect(png.outputs).toHaveLength(11);
    expect(png.outputs[10]).toBe('png-3-0011.png');
    expect(png.args.at(-1)).toBe('png-3-%04d.png');
  });

  it('bit rate: half a bit per pixel per frame, clamped', () => {
    expect(videoBitrate(256, 256, 12)).toBe(393_216);
    expect(videoBitrate(64, 64, 1)).toBe(250_000);
    expect(videoBitrate(8192, 8192, 240)).toBe(40_000_000);
  });
});
