import { describe, expect, it } from 'vitest';
import { NO_WEBCODECS, chooseEncoder, type WebCodecsSupport } from './chooseEncoder';

const BOTH: WebCodecsSupport = { avc: 'avc1.42001f', vp9: 'vp09.00.10.08' };
const AVC_ONLY: WebCodecsSupport = { avc: 'avc1.42001f', vp9: null };

describe('chooseEncoder', () => {
  it('auto picks WebCodecs for MP4 (H.264) and WebM (VP9) when the browser encodes them', () => {
    expect(chooseEncoder('mp4', 'auto', BOTH)).toMatchObject({ encoder: 'webcodecs', codec: 'avc', codecString: 'avc1.42001f', container: 'mp4' });
    expect(chooseEncoder('webm', 'auto', BOTH)).toMatchObject({ encoder: 'webcodecs', codec: 'vp9', codecString: 'vp09.00.10.08', container: 'webm' });
  });

  it('auto falls back to ffmpeg when the codec is missing, and says why', () => {
    const d = chooseEncoder('webm', 'auto', AVC_ONLY);
    expect(d.encoder).toBe('ffmpeg');
    expect(d.reason).toMatch(/cannot encode VP9/);
    expect(chooseEncoder('mp4', 'auto', NO_WEBCODECS).encoder).toBe('ffmpeg');
  });

  it('GIF and PNG frames are always ffmpeg under auto', () => {
    for (const f of ['gif', 'png-zip'] as const) {
      const d = chooseEncoder(f, 'auto', BOTH);
      expect(d.encoder).toBe('ffmpeg');
      expect(d.reason).toMatch(/only MP4 and WebM/);
    }
  });

  it('ffmpeg chosen is ffmpeg for every format, even when WebCodecs could', () => {
    for (const f of ['mp4', 'webm', 'gif', 'png-zip'] as const) expect(chooseEncoder(f, 'ffmpeg', BOTH).encoder).toBe('ffmpeg');
  });

  it('WebCodecs chosen but impossible is an error with a way out, never a silent switch', () => {
    const gif = chooseEncoder('gif', 'webcodecs', BOTH);
    expect(gif.encoder).toBeNull();
    expect(gif.reason).toMatch(/Choose Auto or ffmpeg/);
    const webm = chooseEncoder('webm', 'webcodecs', AVC_ONLY);
    expect(webm.encoder).toBeNull();
    expect(webm.reason).toMatch(/^This browser's WebCodecs cannot encode VP9/);
    expect(chooseEncoder('mp4', 'webcodecs', AVC_ONLY)).toMatchObject({ encoder: 'webcodecs', codec: 'avc' });
  });
});
