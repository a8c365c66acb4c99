/**
 * ffmpeg command lines for the formats beside MP4 (MP4 itself: ffmpegArgs.ts). Pure; all read
 * the same raw RGBA input (`rawInputArgs`), so frame count, rate and size are the same as MP4's.
 *
 * Worked example, 11 frames of 128x64 at 7 fps (input part `-f rawvideo -pix_fmt rgba -s 128x64 -r 7 -i frames.rgba`):
 *
 *   webm:    ... -an -c:v libvpx -crf 10 -b:v 250000 -auto-alt-ref 0 -deadline good -cpu-used 2 -pix_fmt yuv420p -r 7 out.webm
 *   gif:     ... -an -filter_complex [0:v]split[a][b];[a]palettegen=stats_mode=full[p];[b][p]paletteuse=dither=sierra2_4a
 *                -loop 0 -r 7 out.gif
 *   png-zip: ... -an -c:v png -pix_fmt rgb24 -f image2 -start_number 1 frames-%04d.png   (then zipped by zip.ts)
 *
 * Why:
 * - WebM is VP8 (`libvpx`), not VP9: the self-hosted @ffmpeg/core 0.12.10 lists `libvpx-vp9`, but it
 *   traps with "RuntimeError: memory access out of bounds" on the first frame with every option we
 *   tried (threads 1, realtime, lag 0; ffmpegwasm/ffmpeg.wasm issue #679). VP8 works and plays in
 *   every browser that plays WebM. WebCodecs makes VP9 WebM where the browser can (webcodecsEncoder.ts).
 *   `-crf` with a `-b:v` ceiling is libvpx's constrained-quality mode; `-auto-alt-ref 0`: alt-ref frames
 *   need look-ahead and only pay off on long clips. No BT.709 tags: VP8
 *   decoders assume BT.601, which is what ffmpeg's default RGB->YUV conversion writes.
 * - GIF: one 256-colour palette for the whole clip (`palettegen` over all frames, `stats_mode=full`),
 *   then `paletteuse` dithers each frame to it; far better than GIF's default web palette. GIF stores
 *   delays in 1/100 s, so 7 fps plays at 100/14 = 7.14 fps; the frame count and size are exact.
 *   `-loop 0` loops forever.
 * - PNG frames: `image2` writes one numbered file per frame, `rgb24` (the generator's alpha is
 *   always opaque). The number has at least 4 digits and more when the clip has 10,000+ frames.
 */
import type { VideoFormat } from '../rpc/encoderApi';
import { buildMp4Args, formatFps, rawInputArgs, type Mp4EncodeOptions, type Mp4EncodeSpec } from './ffmpegArgs';

/** VP8 constant-quality level (4 best .. 63 worst); 10 is near the look of x264 CRF 17. */
export const VP8_CRF = 10;

/**
 * Bit rate for WebCodecs and the VP8 ceiling: 0.5 bits per pixel per frame, 250 kbit/s .. 40 Mbit/s.
 * Example: 256x256 at 12 fps -> 393,216 bit/s.
 */
export function videoBitrate(width: number, height: number, fps: number): number {
  return Math.min(40_000_000, Math.max(250_000, Math.round(width * height * fps * 0.5)));
}

/** The numbered PNG pattern: `frames-%04d.png` (`%05d` from 10,000 frames). */
export function pngPattern(frames: number, prefix = 'frames-'): string {
  return `${prefix}%0${Math.max(4, String(frames).length)}d.png`;
}

/** Names image2 writes for `pngPattern(frames, prefix)`: frames-0001.png .. */
export function pngFileNames(frames: number, prefix = 'frames-'): string[] {
  const digits = Math.max(4, String(frames).length);
  return Array.from({ length: frames }, (_, i) => `${prefix}${String(i + 1).padStart(digits, '0')}.png`);
}

export function buildWebmArgs(spec: Mp4EncodeSpec, inputName = 'frames.rgba', outputName = 'out.webm'): string[] {
  const input = rawInputArgs(spec, inputName);
  return [
    ...input,
    '-an',
    '-c:v', 'libvpx',
    '-crf', String(VP8_CRF),
    '-b:v', String(videoBitrate(spec.width, spec.height, spec.fps)),
    '-auto-alt-ref', '0',
    '-deadline', 'good',
    '-cpu-used', '2',
    '-pix_fmt', 'yuv420p',
    '-r', formatFps(spec.fps),
    outputName,
  ];
}

export function buildGifArgs(spec: Mp4EncodeSpec, inputName = 'frames.rgba', outputName = 'out.gif'): string[] {
  const input = rawInputArgs(spec, inputName);
  return [
    ...input,
    '-an',
    '-filter_complex', '[0:v]split[a][b];[a]palettegen=stats_mode=full[p];[b][p]paletteuse=dither=sierra2_4a',
    '-loop', '0',
    '-r', formatFps(spec.fps),
    outputName,
  ];
}

export function buildPngArgs(spec: Mp4EncodeSpec, frames: number, inputName = 'frames.rgba', prefix = 'frames-'): string[] {
  const input = rawInputArgs(spec, inputName);
  return [...input, '-an', '-c:v', 'png', '-pix_fmt', 'rgb24', '-f', 'image2', '-start_number', '1', pngPattern(frames, prefix)];
}

export interface FfmpegJob {
  args: string[];
  /** Files ffmpeg writes, in frame order for PNGs (one file otherwise). */
  outputs: string[];
  /** The codec, for the result: 'libx264', 'libvpx', 'gif', 'png'. */
  codec: string;
}

/** The command and output files for one format; `tag` keeps runs' files apart in ffmpeg's FS. */
export function buildFfmpegJob(format: VideoFormat, spec: Mp4EncodeSpec, frames: number, tag: string, mp4: Mp4EncodeOptions = {}): FfmpegJob {
  const inputName = `frames-${tag}.rgba`;
  switch (format) {
    case 'mp4': {
      const outputName = `out-${tag}.mp4`;
      return { args: buildMp4Args(spec, { ...mp4, inputName, outputName }), outputs: [outputName], codec: 'libx264' };
    }
    case 'webm':
      return { args: buildWebmArgs(spec, inputName, `out-${tag}.webm`), outputs: [`out-${tag}.webm`], codec: 'libvpx' };
    case 'gif':
      return { args: buildGifArgs(spec, inputName, `out-${tag}.gif`), outputs: [`out-${tag}.gif`], codec: 'gif' };
    case 'png-zip': {
      const prefix = `png-${tag}-`;
      return { args: buildPngArgs(spec, frames, inputName, prefix), outputs: pngFileNames(frames, prefix), codec: 'png' };
    }
  }
}
