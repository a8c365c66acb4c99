/**
 * A small verifier for MP4 bytes: demux with mediabunny, count the video packets, and decode
 * every frame with WebCodecs (through mediabunny's VideoSampleSink) to prove the file plays.
 *
 * `frameCount` is the number of frames that DECODED, `packetCount` the number the container
 * holds; for a good file they are equal. `fps` is packets per second of track duration
 * (11 packets over 11/7 s -> 7). Used by the e2e tests; also handy to check an export in the app.
 * WebM works too (mediabunny reads every container it knows): `container` is then 'WebM' and
 * `codec` 'vp9' or 'vp8'; WebM counts milliseconds, so 24 frames at 7 fps give 3.429 s -> 6.999 fps.
 *
 * Decoding needs WebCodecs (`VideoDecoder`): a browser or a worker. Pass `{decode: false}` to
 * only demux (Node, unit tests); then `frameCount` is null.
 */
import { ALL_FORMATS, BufferSource, Input, VideoSampleSink } from 'mediabunny';

export interface Mp4Info {
  /** Frames that decoded; null when `decode: false`. */
  frameCount: number | null;
  /** Video packets (samples) in the container. */
  packetCount: number;
  /** Average frame rate (packets per second), rounded to 3 decimals. */
  fps: number;
  width: number;
  height: number;
  /** mediabunny's short codec name: 'avc' for H.264, 'vp9', 'av1', ... */
  codec: string | null;
  /** Full codec string for WebCodecs, e.g. 'avc1.64000b' (H.264 High, level 1.1). */
  codecString: string | null;
  durationS: number;
  /** The container format's name, e.g. 'MP4'. */
  container: string;
}

export interface InspectOptions {
  /** Decode every frame (default true). Needs WebCodecs. */
  decode?: boolean;
}

export async function inspectMp4(bytes: Uint8Array | ArrayBuffer, options: InspectOptions = {}): Promise<Mp4Info> {
  const input = new Input({ source: new BufferSource(bytes), formats: ALL_FORMATS });
  try {
    const format = await input.getFormat();
    const track = await input.getPrimaryVideoTrack();
    if (!track) throw new Error('The file has no video track.');
    const stats = await track.computePacketStats();
    const config = await track.getDecoderConfig();
    const info: Mp4Info = {
      frameCount: null,
      packetCount: stats.packetCount,
      fps: Math.round(stats.averagePacketRate * 1000) / 1000,
      width: track.displayWidth,
      height: track.displayHeight,
      codec: track.codec,
      codecString: config?.codec ?? null,
      durationS: await track.computeDuration(),
      container: format.name,
    };
    if (options.decode ?? true) {
      if (!(await track.canDecode())) {
        throw new Error(`This browser cannot decode ${info.codecString ?? info.codec ?? 'this codec'}.`);
      }
      info.frameCount = await countDecodedFrames(track);
    }
    return info;
  } finally {
    input.dispose();
  }
}

type VideoTrack = NonNullable<Awaited<ReturnType<Input['getPrimaryVideoTrack']>>>;

async function countDecodedFrames(track: VideoTrack): Promise<number> {
  const sink = new VideoSampleSink(track);
  let n = 0;
  for await (const sample of sink.samples()) {
    n++;
    sample.close();
  }
  return n;
}
