/**
 * The fast path: the browser's own encoder (WebCodecs `VideoEncoder`) and mediabunny's muxer.
 * H.264 goes into MP4 (moov first), VP9 into WebM.
 *
 * One run: validate -> configure a VideoEncoder with the codec string the probe accepted ->
 * one `VideoFrame` per RGBA frame (frame i at i/fps, lasting 1/fps; a key frame every 2 s) ->
 * flush -> hand the packets, in order, to an `EncodedVideoPacketSource` of a mediabunny `Output`
 * whose track is pinned to `fps` -> the file's bytes.
 *
 * Timestamps: WebCodecs counts microseconds, so 1/7 s is not exact there; the packets get their
 * index back (round(t * fps / 1e6)) and mediabunny writes exactly i/fps with a frame-rate-based
 * timescale. Example: 11 frames at 7 fps -> packets 0..10 at 0, 1/7, .., 10/7 s; duration 11/7 s.
 *
 * Needs `VideoEncoder` and `VideoFrame` (a browser tab or a worker). `probeWebCodecs` asks
 * `VideoEncoder.isConfigSupported` for the same config this encoder uses, so "supported" means
 * "this exact configure() will be accepted".
 */
import { BufferTarget, EncodedPacket, EncodedVideoPacketSource, Mp4OutputFormat, Output, WebMOutputFormat } from 'mediabunny';
import { appError } from '../rpc/errors';
import type { EncodeRequest } from '../rpc/encoderApi';
import type { ProgressCallback } from '../rpc/progress';
import { EncodeSpecError, validateEncodeSize, validateFps } from './ffmpegArgs';
import type { WebCodecsSupport } from './chooseEncoder';
import { videoBitrate } from './ffmpegFormatArgs';
import { validateFrames } from './rawFrames';

/** Seconds between key frames (seeking granularity). */
export const KEY_FRAME_INTERVAL_S = 2;

/**
 * Codec strings to try, best first, with the level from the picture size.
 * H.264: High, Main, then Baseline profile; level 3.0 up to 1620 macroblocks (720x576), 3.1 to 3600
 * (1280x720), 4.0 to 8192 (2048x1024), 5.0 to 22080, 5.1 to 36864, else 5.2. Example: 256x256 =
 * 256 MBs -> ['avc1.64001e', 'avc1.4d001e', 'avc1.42001e'].
 * VP9 profile 0, 8 bit, level from luma samples: 256x256 = 65,536 -> level 1.1 -> 'vp09.00.11.08'.
 */
export function codecCandidates(codec: 'avc' | 'vp9', width: number, height: number): string[] {
  if (codec === 'avc') {
    const mbs = Math.ceil(width / 16) * Math.ceil(height / 16);
    const level = [[1620, 0x1e], [3600, 0x1f], [8192, 0x28], [22080, 0x32], [36864, 0x33]].find(([max]) => mbs <= max)?.[1] ?? 0x34;
    const hex = level.toString(16).padStart(2, '0');
    return ['64', '4d', '42'].map((profile) => `avc1.${profile}00${hex}`);
  }
  const samples = width * height;
  const levels: [number, string][] = [[36864, '10'], [73728, '11'], [122880, '20'], [245760, '21'], [552960, '30'], [983040, '31'], [2228224, '40'], [8912896, '50']];
  return [`vp09.00.${levels.find(([max]) => samples <= max)?.[1] ?? '60'}.08`];
}

/** The VideoEncoder config for one codec string (the probe asks about exactly this). */
export function encoderConfig(codecString: string, width: number, height: number, fps: number): VideoEncoderConfig {
  return {
    codec: codecString,
    width,
    height,
    bitrate: videoBitrate(width, height, fps),
    framerate: fps,
    latencyMode: 'quality',
    ...(codecString.startsWith('avc1.') ? { avc: { format: 'avc' as const } } : {}),
  };
}

type IsConfigSupported = (config: VideoEncoderConfig) => Promise<{ supported?: boolean }>;

/** Which codec string, if any, this browser encodes at this size and rate. Never throws. */
export async function probeWebCodecs(width: number, height: number, fps: number, isConfigSupported?: IsConfigSupported): Promise<WebCodecsSupport> {
  const ask = isConfigSupported ?? (typeof VideoEncoder === 'undefined' ? null : (c: VideoEncoderConfig) => VideoEncoder.isConfigSupported(c));
  const first = async (codec: 'avc' | 'vp9'): Promise<string | null> => {
    if (!ask) return null;
    for (const codecString of codecCandidates(codec, width, height)) {
      try {
        if ((await ask(encoderConfig(codecString, width, height, fps))).supported) return codecString;
      } catch {
        // a TypeError for a string this browser does not parse: try the next one
      }
    }
    return null;
  };
  return { avc: await first('avc'), vp9: await first('vp9') };
}

interface Chunk {
  data: Uint8Array;
  type: 'key' | 'delta';
  timestampUs: number;
  meta?: EncodedVideoChunkMetadata;
}

/** Encodes with WebCodecs and muxes with mediabunny; resolves to the file's bytes. */
export async function encodeWithWebCodecs(
  request: EncodeRequest,
  codecString: string,
  container: 'mp4' | 'webm',
  onProgress: ProgressCallback,
): Promise<Uint8Array> {
  const { frames, width, height, fps } = request;
  try {
    validateEncodeSize(width, height);
    validateFps(fps);
    validateFrames(frames, width, height);
  } catch (e) {
    if (e instanceof EncodeSpecError) throw appError('bad-input', e.message);
    throw e;
  }
  let chunks: Chunk[];
  try {
    chunks = await encodeChunks(request, codecString, onProgress);
  } catch (e) {
    throw appError('encode-failed', `The browser's video encoder (WebCodecs, ${codecString}) failed. Choose ffmpeg as the encoder and export again.`, String(e));
  }
  return mux(chunks, codecString.startsWith('avc1.') ? 'avc' : 'vp9', container, fps);
}

async function encodeChunks(request: EncodeRequest, codecString: string, onProgress: ProgressCallback): Promise<Chunk[]> {
  const { frames, width, height, fps } = request;
  const chunks: Chunk[] = [];
  let failure: unknown = null;
  const encoder = new VideoEncoder({
    output: (chunk, meta) => {
      const data = new Uint8Array(chunk.byteLength);
      chunk.copyTo(data);
      chunks.push({ data, type: chunk.type, timestampUs: chunk.timestamp, meta });
      onProgress({ type: 'encode', frame: chunks.length, frames: frames.length });
    },
    error: (e) => {
      failure = e;
    },
  });
  try {
    encoder.configure(encoderConfig(codecString, width, height, fps));
    onProgress({ type: 'encode', frame: 0, frames: frames.length });
    const keyEvery = Math.max(1, Math.round(fps * KEY_FRAME_INTERVAL_S));
    for (let i = 0; i < frames.length; i++) {
      if (failure) throw failure;
      const f = frames[i];
      const frame = new VideoFrame(new Uint8Array(f.buffer, f.byteOffset, f.byteLength), {
        format: 'RGBA',
        codedWidth: width,
        codedHeight: height,
        timestamp: Math.round((i * 1e6) / fps),
        duration: Math.round(1e6 / fps),
      });
      encoder.encode(frame, { keyFrame: i % keyEvery === 0 });
      frame.close();
      while (encoder.encodeQueueSize > 4 && !failure) await new Promise((r) => encoder.addEventListener('dequeue', r, { once: true }));
    }
    await encoder.flush();
    if (failure) throw failure;
  } finally {
    if (encoder.state !== 'closed') encoder.close();
  }
  if (chunks.length !== frames.length) throw new Error(`The encoder returned ${chunks.length} packets for ${frames.length} frames.`);
  return chunks;
}

async function mux(chunks: Chunk[], codec: 'avc' | 'vp9', container: 'mp4' | 'webm', fps: number): Promise<Uint8Array> {
  const target = new BufferTarget();
  const format = container === 'mp4' ? new Mp4OutputFormat({ fastStart: 'in-memory' }) : new WebMOutputFormat();
  const output = new Output({ format, target });
  const source = new EncodedVideoPacketSource(codec);
  output.addVideoTrack(source, { frameRate: fps });
  await output.start();
  for (const [seq, c] of chunks.entries()) {
    const index = Math.round((c.timestampUs * fps) / 1e6);
    await source.add(new EncodedPacket(c.data, c.type, index / fps, 1 / fps, seq), c.meta);
  }
  await output.finalize();
  if (!target.buffer) throw appError('encode-failed', 'The muxer wrote no file. Export again.');
  return new Uint8Array(target.buffer);
}
