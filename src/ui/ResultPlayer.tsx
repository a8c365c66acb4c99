import { useApp } from '../store';
import { formatBytes } from './text';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

const KIND: Record<string, string> = { 'video/mp4': 'MP4', 'video/webm': 'WebM', 'image/gif': 'GIF', 'application/zip': 'PNG frames (zip)' };

/** The finished file: a looping player (a picture for GIF, none for the PNG zip) and a Download link named from the prompt and seed. */
export function ResultPlayer() {
  const url = useApp((s) => s.job.resultUrl);
  const name = useApp((s) => s.job.resultName);
  const bytes = useApp((s) => s.job.resultBytes);
  const mime = useApp((s) => s.job.resultMime) ?? 'video/mp4';
  const note = useApp((s) => s.job.resultNote);
  const timings = useApp((s) => s.job.timings);
  if (!url) return null;
  return (
    <section className="result" aria-labelledby="result-heading">
      <h2 id="result-heading">Result</h2>
      {mime.startsWith('video/') && <video data-testid="result-video" src={url} controls loop autoPlay muted playsInline />}
      {mime === 'image/gif' && <img data-testid="result-gif" src={url} alt="The generated animation" />}
      <div className="result-meta">
        <a className="button primary" data-testid="download" href={url} download={name ?? 'musev.mp4'}>
          Download {KIND[mime] ?? 'file'}
        </a>
        <span className="muted">
          {name} · {formatBytes(bytes)}
          {timings &&
            ` · ${seconds(timings.totalMs + timings.encodeMs)} total (${Math.round(timings.msPerStep)} ms/step, encode ${seconds(timings.encodeMs)})`}
        </span>
        {note && (
          <span className="muted" data-testid="result-encoder">
            Encoded with {note}
          </span>
        )}
      </div>
    </section>
  );
}
