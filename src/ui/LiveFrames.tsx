import { memo, useEffect, useRef } from 'react';
import { useApp, type LiveFrame } from '../store';

/** One decoded frame drawn into its own canvas. */
const FrameCanvas = memo(function FrameCanvas({ frame }: { frame: LiveFrame }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    canvas.width = frame.width;
    canvas.height = frame.height;
    try {
      const pixels =
        frame.rgba.buffer instanceof ArrayBuffer
          ? (frame.rgba as Uint8ClampedArray<ArrayBuffer>)
          : new Uint8ClampedArray(frame.rgba);
      ctx.putImageData(new ImageData(pixels, frame.width, frame.height), 0, 0);
    } catch {
      // a frame whose size does not match its pixels is skipped, not fatal
    }
  }, [frame]);
  return (
    <canvas
      ref={ref}
      className="live-frame"
      data-testid="live-frame"
      data-index={frame.index}
      title={`Frame ${frame.index + 1}`}
      aria-label={`Frame ${frame.index + 1}`}
      role="img"
    />
  );
});

/** Frames as the VAE decodes them, one small canvas each. */
export function LiveFrames() {
  const frames = useApp((s) => s.job.liveFrames);
  const total = useApp((s) => s.job.frames);
  return (
    <section className="live-frames-section" aria-labelledby="frames-heading">
      <h2 id="frames-heading">
        Frames{frames.length > 0 && <span className="muted"> {total > 0 ? `${frames.length}/${total}` : frames.length}</span>}
      </h2>
      <div className="live-frames" data-testid="live-frames" data-count={frames.length}>
        {frames.length === 0 ? (
          <p className="muted placeholder">Frames appear here as they are decoded.</p>
        ) : (
          frames.map((f) => <FrameCanvas key={f.index} frame={f} />)
        )}
      </div>
    </section>
  );
}
