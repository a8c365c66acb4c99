import { useApp } from '../store';
import { formatBytes } from './text';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** The finished MP4: a looping player and a Download link named from the prompt and seed. */
export function ResultPlayer() {
  const url = useApp((s) => s.job.resultUrl);
  const name = useApp((s) => s.job.resultName);
  const bytes = useApp((s) => s.job.resultBytes);
  const timings = useApp((s) => s.job.timings);
  if (!url) return null;
  return (
    <section className="result" aria-labelledby="result-heading">
      <h2 id="result-heading">Result</h2>
      <video data-testid="result-video" src={url} controls loop autoPlay muted playsInline />
      <div className="result-meta">
        <a className="button primary" data-testid="download" href={url} download={name ?? 'musev.mp4'}>
          Download MP4
        </a>
        <span className="muted">
          {name} · {formatBytes(bytes)}
          {timings &&
            ` · ${seconds(timings.totalMs + timings.encodeMs)} total (${Math.round(timings.msPerStep)} ms/step, encode ${seconds(timings.encodeMs)})`}
        </span>
      </div>
    </section>
  );
}
