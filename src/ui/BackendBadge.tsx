import { useMemo } from 'react';
import { useApp } from '../store';
import { expectedBackend } from '../store/backend';
import { backendLabel } from './text';

/** Which onnxruntime backend runs (the worker's answer once a pack loaded, a guess before). */
export function BackendBadge() {
  const actual = useApp((s) => s.backend);
  const rawProbe = useApp((s) => s.backendProbe);
  const choice = useApp((s) => s.settings.backend);
  const probe = useMemo(() => expectedBackend(rawProbe, choice), [rawProbe, choice]);
  const kind = (actual ?? probe)?.backend ?? 'unknown';
  return (
    <span className={`badge badge-${kind}`} data-testid="backend" data-backend={kind} data-confirmed={actual ? 'true' : 'false'} title={actual ? 'Backend in use' : 'Expected backend; confirmed when the model loads'}>
      {backendLabel(actual, probe)}
    </span>
  );
}

/** The model pack's name and, for the demo pack, that its weights are random. */
export function PackNotice() {
  const pack = useApp((s) => s.pack);
  const status = useApp((s) => s.packStatus);
  const problem = useApp((s) => s.packProblem);
  return (
    <div className="pack-notice" data-testid="pack-info" data-status={status}>
      {pack && (
        <span>
          Model: <strong>{pack.name}</strong>
        </span>
      )}
      {status === 'loading' && !pack && <span>Reading the model pack…</span>}
      {status === 'error' && (
        <span className="muted">The model pack's manifest could not be read ({problem}); Generate will try to load it again.</span>
      )}
      {pack?.randomWeights && (
        <p className="notice" data-testid="random-weights" role="note">
          This demo pack has <strong>random weights</strong>: the pipeline runs for real, but the video will look
          abstract, not like your image.
        </p>
      )}
    </div>
  );
}
