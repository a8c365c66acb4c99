import { useEffect, useState } from 'react';
import { useApp } from '../store';
import { describeProgress, formatEta, isBusy, overallFraction } from '../store/progress';

/** Current time, refreshed every second while `active` (ages the ETA between events). */
function useNow(active: boolean): number {
  const [now, setNow] = useState(() => performance.now());
  useEffect(() => {
    if (!active) return;
    setNow(performance.now());
    const id = setInterval(() => setNow(performance.now()), 1000);
    return () => clearInterval(id);
  }, [active]);
  return now;
}

/** Generate / Cancel, the job status word, and the progress bar with stage text and ETA. */
export function GenerateBar() {
  const job = useApp((s) => s.job);
  const needsImage = useApp((s) => s.image === null && s.settings.firstFrame !== 'generate');
  const imageLoading = useApp((s) => s.imageLoading);
  const generate = useApp((s) => s.generate);
  const cancel = useApp((s) => s.cancel);
  const checkingGpu = useApp((s) => s.gpuCheck.status === 'running');
  const busy = isBusy(job.status);
  const now = useNow(busy);

  const pct = Math.round(overallFraction(job) * 100);
  const text = describeProgress(job);
  const eta = formatEta(job, now);

  return (
    <section className="generate-bar" aria-label="Generation">
      <div className="actions">
        <button
          type="button"
          className="primary"
          data-testid="generate"
          disabled={busy || imageLoading || checkingGpu}
          title={checkingGpu ? 'Wait for the GPU check to finish' : undefined}
          onClick={() => void generate()}
        >
          {busy ? 'Generating…' : 'Generate'}
        </button>
        <button type="button" data-testid="cancel" disabled={!busy} onClick={cancel}>
          Cancel
        </button>
        <span className={`status status-${job.status}`} data-testid="job-status" aria-live="polite">
          {job.status}
        </span>
      </div>
      {needsImage && !busy && <p className="muted hint">Add a condition image, type a prompt, then press Generate.</p>}
      <div
        className={`progress progress-${job.status}`}
        data-testid="progress"
        data-stage={job.stage ?? ''}
        role="progressbar"
        aria-label="Generation progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct}
        aria-valuetext={eta ? `${text}, ${eta}` : text}
      >
        <div className="progress-track">
          <div className={`progress-fill${busy && job.stage === 'load-pack' ? ' indeterminate' : ''}`} style={{ width: `${pct}%` }} />
        </div>
        <div className="progress-text">
          <span data-testid="stage">{text}</span>
          {eta && (
            <span className="eta" data-testid="eta">
              {eta}
            </span>
          )}
        </div>
        {busy && job.lastLog && <div className="progress-log muted">{job.lastLog}</div>}
        {job.plan && (
          <div className="progress-log muted" data-testid="memory-plan" title="How the denoising loop fits this GPU (Your GPU panel: budget)">
            Memory plan: {job.plan}
          </div>
        )}
      </div>
    </section>
  );
}
