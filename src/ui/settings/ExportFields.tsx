import { useApp } from '../../store';
import { ChoiceField } from '../ChoiceField';

const FORMAT_LABELS = { mp4: 'MP4 (H.264)', webm: 'WebM (VP9 / VP8)', gif: 'GIF', 'png-zip': 'PNG frames (zip)' } as const;
const ENCODER_LABELS = { auto: 'Auto (WebCodecs when the browser can)', webcodecs: 'WebCodecs (fast)', ffmpeg: 'ffmpeg.wasm (always works)' } as const;

/** "Video format" and "Encoder": what file the job makes and who encodes it (persisted, kept on reset). */
export function ExportFields({ errors }: { errors: { videoFormat?: string; videoEncoder?: string } }) {
  const format = useApp((s) => s.settings.videoFormat);
  const imageOnly = format === 'gif' || format === 'png-zip';
  return (
    <>
      <ChoiceField
        name="videoFormat"
        label="Video format"
        testId="video-format"
        labels={FORMAT_LABELS}
        hint="Same frames, rate and size in every format; WebM is VP9 with WebCodecs, VP8 with ffmpeg"
        error={errors.videoFormat}
      />
      <ChoiceField
        name="videoEncoder"
        label="Encoder"
        testId="video-encoder"
        labels={ENCODER_LABELS}
        unavailable={imageOnly ? { webcodecs: 'MP4 and WebM only' } : undefined}
        hint="WebCodecs uses the browser's own H.264 / VP9 encoder; ffmpeg.wasm makes every format"
        error={errors.videoEncoder}
      />
    </>
  );
}
