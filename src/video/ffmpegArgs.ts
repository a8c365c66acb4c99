/**
 * Pure builder of the ffmpeg command line that turns raw RGBA frames into an H.264 MP4.
 *
 * Input: ONE file holding all frames back to back, each `width * height * 4` bytes of RGBA
 * (no header), read by ffmpeg's `rawvideo` demuxer. A raw file beats a PNG sequence here: no PNG
 * encode per frame in the worker, no decode in ffmpeg, and a single FS write.
 *
 * Worked example, 11 frames of 128x64 at 7 fps, default options:
 *
 *   -f rawvideo -pix_fmt rgba -s 128x64 -r 7 -i frames.rgba
 *   -an -vf scale=out_color_matrix=bt709:out_range=tv
 *   -c:v libx264 -preset medium -crf 17 -pix_fmt yuv420p
 *   -colorspace bt709 -color_primaries bt709 -color_trc bt709 -color_range tv
 *   -movflags +faststart -r 7 out.mp4
 *
 * The input file is 11 * 128 * 64 * 4 = 360,448 bytes (`rawInputBytes`).
 *
 * Why each flag:
 * - `-r` before `-i` gives the raw stream its frame rate (rawvideo has no timestamps); `-r` after
 *   it pins the output rate, so ffmpeg never duplicates or drops frames.
 * - `-crf`: MuseV writes CRF 5 (near lossless, large files); 17 is visually lossless for generated
 *   content at a fraction of the size. Lower = better quality, bigger file (0..51).
 * - `yuv420p` is the only chroma layout every browser decodes (High 4:4:4 does not play in most).
 *   4:2:0 stores chroma at half width and half height, so width and height MUST be even; libx264
 *   refuses odd sizes ("width not divisible by 2"). Our sizes are multiples of 64, so this holds;
 *   `validateEncodeSize` rejects anything else with a clear message instead of ffmpeg's log.
 * - The scale filter converts RGB to BT.709 limited range and the colour flags tag the stream
 *   with the same matrix, so players do not guess (untagged streams are shown with BT.601 by some).
 * - `+faststart` moves the `moov` box to the front: the video can start playing (and seeking
 *   works) before the whole file is read, which matters for `<video src=blob:...>` and downloads.
 */

export interface Mp4EncodeOptions {
  /** x264 constant rate factor, 0 (lossless) .. 51. Default 17. MuseV itself writes 5. */
  crf?: number;
  /** x264 speed/size trade-off. Default 'medium' (x264's own default). */
  preset?: X264Preset;
  /** Name of the raw input file in ffmpeg's FS. Default 'frames.rgba'. */
  inputName?: string;
  /** Name of the output file in ffmpeg's FS. Default 'out.mp4'. */
  outputName?: string;
}

export type X264Preset =
  | 'ultrafast'
  | 'superfast'
  | 'veryfast'
  | 'faster'
  | 'fast'
  | 'medium'
  | 'slow'
  | 'slower'
  | 'veryslow';

export const DEFAULT_CRF = 17;
export const DEFAULT_PRESET: X264Preset = 'medium';
/** Largest side we accept: H.264 level 6.2 allows 8192x4320; anything bigger is a bug upstream. */
export const MAX_SIDE = 8192;

export interface Mp4EncodeSpec {
  width: number;
  height: number;
  fps: number;
}

/** Thrown by the validators; the encoder turns it into an AppError 'bad-input'. */
export class EncodeSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EncodeSpecError';
  }
}

/** Width and height must be positive even integers (yuv420p halves chroma in both directions). */
export function validateEncodeSize(width: number, height: number): void {
  for (const [name, v] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isInteger(v) || v <= 0 || v > MAX_SIDE) {
      throw new EncodeSpecError(`Video ${name} must be a whole number from 2 to ${MAX_SIDE}; got ${v}.`);
    }
    if (v % 2 !== 0) {
      throw new EncodeSpecError(
        `Video ${name} must be even for H.264 yuv420p (chroma is stored at half size); got ${v}. ` +
          'Use a size that is a multiple of 64, as the generator does.',
      );
    }
  }
}

/** fps must be a finite number in (0, 240]. Fractional rates such as 29.97 are fine. */
export function validateFps(fps: number): void {
  if (!Number.isFinite(fps) || fps <= 0 || fps > 240) {
    throw new EncodeSpecError(`Frame rate must be between 0 and 240 frames per second; got ${fps}.`);
  }
}

export function validateCrf(crf: number): void {
  if (!Number.isInteger(crf) || crf < 0 || crf > 51) {
    throw new EncodeSpecError(`CRF must be a whole number from 0 to 51; got ${crf}.`);
  }
}

/** Bytes of the concatenated raw RGBA input for `frames` frames. */
export function rawInputBytes(frames: number, width: number, height: number): number {
  return frames * width * height * 4;
}

/** ffmpeg accepts a decimal rate; write integers without a trailing '.0' and trim float noise. */
export function formatFps(fps: number): string {
  return Number.isInteger(fps) ? String(fps) : String(Number(fps.toFixed(6)));
}

/** The input half of every command: raw RGBA frames at `fps` from one file (see the top comment). */
export function rawInputArgs({ width, height, fps }: Mp4EncodeSpec, inputName: string): string[] {
  validateEncodeSize(width, height);
  validateFps(fps);
  return ['-f', 'rawvideo', '-pix_fmt', 'rgba', '-s', `${width}x${height}`, '-r', formatFps(fps), '-i', inputName];
}

/** The argument list for `ffmpeg.exec` (without the program name). Validates its inputs. */
export function buildMp4Args(spec: Mp4EncodeSpec, options: Mp4EncodeOptions = {}): string[] {
  const { width, height, fps } = spec;
  const crf = options.crf ?? DEFAULT_CRF;
  const preset = options.preset ?? DEFAULT_PRESET;
  const inputName = options.inputName ?? 'frames.rgba';
  const outputName = options.outputName ?? 'out.mp4';
  validateEncodeSize(width, height);
  validateFps(fps);
  validateCrf(crf);
  const rate = formatFps(fps);
  return [
    ...rawInputArgs(spec, inputName),
    // output: H.264 yuv420p, BT.709 tagged, moov first
    '-an',
    '-vf', 'scale=out_color_matrix=bt709:out_range=tv',
    '-c:v', 'libx264',
    '-preset', preset,
    '-crf', String(crf),
    '-pix_fmt', 'yuv420p',
    '-colorspace', 'bt709',
    '-color_primaries', 'bt709',
    '-color_trc', 'bt709',
    '-color_range', 'tv',
    '-movflags', '+faststart',
    '-r', rate,
    outputName,
  ];
}
