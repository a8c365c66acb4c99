import { useId } from 'react';
import { useApp } from '../store';
import { PACK_CATALOG } from '../store/packCatalog';
import { describeFeatures } from '../store/packFeatures';
import { isBusy } from '../store/progress';

/**
 * Which model pack (model family) generates: the bundled packs (one whose manifest is missing is
 * listed as "not installed"), then the packs installed in the pack manager that are ready (read
 * from the browser's storage). The worker loads the chosen pack on the next Generate.
 */
export function PackPicker() {
  const path = useApp((s) => s.packPath);
  const availability = useApp((s) => s.packAvailability);
  const features = useApp((s) => s.packFeatures);
  const installed = useApp((s) => s.installedPacks);
  const choosePack = useApp((s) => s.choosePack);
  const locked = useApp((s) => isBusy(s.job.status) || s.gpuCheck.status === 'running');
  const id = useId();
  const supports = features ? describeFeatures(features) : '';

  return (
    <section className="pack-picker field" aria-label="Model">
      <label htmlFor={id} className="field-label">
        Model pack
      </label>
      <select
        id={id}
        data-testid="pack-select"
        value={path}
        disabled={locked}
        title={locked ? 'Wait for the current job to finish' : undefined}
        aria-describedby={`${id}-about`}
        onChange={(e) => void choosePack(e.target.value)}
      >
        {PACK_CATALOG.map((p) => {
          const missing = availability[p.path] === 'missing';
          return (
            <option key={p.path} value={p.path} disabled={missing}>
              {p.label}
              {missing ? ' (not installed)' : ''}
            </option>
          );
        })}
        {installed
          .filter((p) => p.status === 'ready' || `opfs:${p.id}` === path)
          .map((p) => (
            <option key={p.id} value={`opfs:${p.id}`} disabled={p.status !== 'ready'}>
              {p.name} · installed{p.status !== 'ready' ? ` (${p.status})` : ''}
            </option>
          ))}
      </select>
      <span id={`${id}-about`} className="field-hint">
        {features ? (
          <>
            Family <code data-testid="pack-family">{features.family}</code> ·{' '}
            <span data-testid="pack-features">{supports ? `supports ${supports}` : 'condition image only'}</span>
          </>
        ) : (
          'Reading the pack…'
        )}
      </span>
    </section>
  );
}
