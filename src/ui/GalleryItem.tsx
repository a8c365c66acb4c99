import type { GalleryEntry } from '../store/gallerySlice';
import { formatBytes } from './text';

export interface GalleryItemActions {
  play(id: string): void;
  again(id: string): void;
  exportTask(id: string): void;
  remove(id: string): void;
}

const STATUS_LABEL = { running: 'generating', done: 'done', failed: 'failed', interrupted: 'interrupted' } as const;

/** One kept generation: thumbnail, prompt, seed, when, size; play / generate again / export / delete. */
export function GalleryItem({ entry, busy, actions }: { entry: GalleryEntry; busy: boolean; actions: GalleryItemActions }) {
  const { meta, thumbUrl } = entry;
  const { video } = meta;
  const running = meta.status === 'running';
  return (
    <li className={`gallery-item gallery-${meta.status}`} data-testid="gallery-item" data-id={meta.id} data-status={meta.status}>
      <div className="gallery-thumb">{thumbUrl ? <img src={thumbUrl} alt="" /> : <span className="muted">{running ? '…' : '—'}</span>}</div>
      <div className="gallery-body">
        <div className="gallery-head">
          <span className={`status gallery-status status-${meta.status === 'done' ? 'done' : meta.status === 'running' ? 'running' : 'error'}`} data-testid="gallery-status">
            {STATUS_LABEL[meta.status]}
          </span>
          <span className="muted gallery-when">{new Date(meta.createdAt).toLocaleString()}</span>
        </div>
        <p className="gallery-prompt" data-testid="gallery-prompt" title={meta.settings.prompt}>
          {meta.settings.prompt || <span className="muted">(no prompt)</span>}
        </p>
        <p className="muted gallery-facts">
          seed <span data-testid="gallery-seed">{meta.settings.seed}</span>
          {video && ` · ${video.frames} frames @ ${video.fps} fps · ${video.width}×${video.height} · ${video.durationS.toFixed(1)} s · ${formatBytes(video.bytes)}`}
        </p>
        {meta.message && <p className="gallery-message" data-testid="gallery-message">{meta.message}</p>}
        <div className="gallery-actions">
          {video && (
            <button type="button" className="button" data-testid="gallery-play" onClick={() => actions.play(meta.id)}>
              Play
            </button>
          )}
          <button type="button" className="button" data-testid="gallery-again" disabled={busy || running} onClick={() => actions.again(meta.id)}>
            Generate again
          </button>
          <button type="button" className="button" data-testid="gallery-export" onClick={() => actions.exportTask(meta.id)}>
            Export task
          </button>
          <button type="button" className="button" data-testid="gallery-delete" disabled={running && busy} onClick={() => actions.remove(meta.id)}>
            Delete
          </button>
        </div>
      </div>
    </li>
  );
}
