import { formatBytes } from '../core/formatBytes';
import { useApp } from '../store';
import type { ManagerEntry } from '../store/packCatalog';
import { rowStatus, taskPercent, type PackTask, type RowStatus } from '../store/packTask';

const STATUS_TEXT: Record<RowStatus, string> = {
  'not-downloaded': 'not downloaded',
  downloading: 'downloading',
  verifying: 'verifying',
  partial: 'paused (partly downloaded)',
  ready: 'ready',
  corrupt: 'corrupt',
};

export function progressText(t: PackTask): string {
  if (t.phase === 'starting') return t.kind === 'import' ? 'starting the import…' : 'reading the manifest…';
  if (t.phase === 'verifying') return `verifying ${t.file} (${t.verified}/${t.files} files checked)`;
  const resumed = t.resumedFrom > 0 ? `, resumed at ${formatBytes(t.resumedFrom)}` : '';
  return `${taskPercent(t)}% · ${formatBytes(t.totalDone)} of ${formatBytes(t.totalBytes)} · ${formatBytes(t.bytesPerSec)}/s · ${t.file} ${formatBytes(t.fileDone)} of ${formatBytes(t.fileBytes)} at ${formatBytes(t.fileBytesPerSec)}/s${resumed}`;
}

/** The running download/import: a bar and "x% · done of total · speed · file ..." text. */
export function PackProgress({ task }: { task: PackTask }) {
  return (
    <div className="pack-progress" data-testid="pack-progress" data-phase={task.phase}>
      <progress max={Math.max(1, task.totalBytes)} value={task.totalDone} />
      <span>{progressText(task)}</span>
    </div>
  );
}

/** One pack of the manager: what it is, what it needs, its state, and what can be done with it. */
export function PackRow({ entry, freeBytes }: { entry: ManagerEntry; freeBytes: number | null }) {
  const task = useApp((s) => (s.packTask?.key === entry.key ? s.packTask : null));
  const anyTask = useApp((s) => s.packTask !== null);
  const facts = useApp((s) => (entry.manifestUrl ? s.packFacts[entry.manifestUrl] : undefined));
  const error = useApp((s) => s.packErrors[entry.key] ?? null);
  const chosen = useApp((s) => entry.stored !== null && s.packPath === `opfs:${entry.stored.id}`);
  const downloadPack = useApp((s) => s.downloadPack);
  const inspectPack = useApp((s) => s.inspectPack);
  const cancelPackTask = useApp((s) => s.cancelPackTask);
  const removePack = useApp((s) => s.removePack);
  const choosePack = useApp((s) => s.choosePack);
  const stored = entry.stored;
  const status = rowStatus(stored, task);
  const info = stored ?? (facts && !('problem' in facts) ? facts : null);
  const dtype = info?.dtype ?? entry.dtypeHint;
  const features = info ? info.gpuFeatures : dtype === 'float16' ? ['shader-f16'] : [];
  const download = entry.manifestUrl;

  return (
    <li className="pack-row" data-testid="pack-row" data-key={entry.key} data-status={status} data-pack-id={stored?.id ?? ''}>
      <div className="pack-row-head">
        <strong>{entry.label}</strong>
        <span className={`pack-status status-${status}`} data-testid="pack-status">
          {STATUS_TEXT[status]}
        </span>
      </div>
      <div className="field-hint" data-testid="pack-facts">
        {info ? `${formatBytes(info.totalBytes)} · GPU memory ≈ ${formatBytes(info.gpuMemoryBytes)}` : facts && 'problem' in facts ? `manifest: ${facts.problem}` : 'size unknown until the manifest is read'}
        {' · '}
        {dtype ? `${dtype === 'float16' ? 'fp16' : 'fp32'} · ` : ''}
        {features.length ? `needs WebGPU ${features.join(', ')}` : 'no special GPU features'}
        {stored && stored.status === 'partial' ? ` · ${formatBytes(stored.storedBytes)} stored` : ''}
        {entry.kind === 'bundled' && !stored ? ' · served with the app (usable now; Download keeps a copy for offline use)' : ''}
      </div>
      {info && status !== 'ready' && freeBytes !== null && info.totalBytes - (stored?.storedBytes ?? 0) > freeBytes && (
        <p className="field-error">
          Not enough free storage: {formatBytes(info.totalBytes - (stored?.storedBytes ?? 0))} needed, {formatBytes(Math.max(0, freeBytes))} free.
        </p>
      )}
      {task && <PackProgress task={task} />}
      {stored?.status === 'corrupt' && !task && (
        <p className="pack-error" data-testid="pack-corrupt">
          Corrupt: {stored.problem ?? stored.corruptFile}. {download ? 'Re-download it' : 'Import the pack folder again'} to repair it.
        </p>
      )}
      {error && !task && (
        <p className="pack-error" role="alert" data-testid="pack-error" data-code={error.code}>
          {error.message}
        </p>
      )}
      <div className="pack-actions">
        {task ? (
          <button type="button" data-testid="pack-cancel" onClick={cancelPackTask}>
            {task.kind === 'import' ? 'Stop import' : 'Pause'}
          </button>
        ) : (
          download &&
          status !== 'ready' && (
            <button type="button" className="primary" data-testid="pack-download" disabled={anyTask} onClick={() => void downloadPack(download)}>
              {status === 'partial' ? 'Resume' : status === 'corrupt' ? 'Re-download' : 'Download'}
            </button>
          )
        )}
        {download && !facts && !stored && !task && (
          <button type="button" data-testid="pack-inspect" onClick={() => void inspectPack(download)}>
            Check size
          </button>
        )}
        {stored?.status === 'ready' && !task && (
          <button type="button" data-testid="pack-use" disabled={chosen} onClick={() => void choosePack(`opfs:${stored.id}`)}>
            {chosen ? 'In use' : 'Use'}
          </button>
        )}
        {stored && !task && (
          <button type="button" data-testid="pack-delete" disabled={anyTask} onClick={() => void removePack(stored.id)}>
            Delete
          </button>
        )}
      </div>
    </li>
  );
}
