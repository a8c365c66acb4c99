import { useEffect } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useApp } from '../store';
import { downloadText } from './download';
import { isBusy } from '../store/progress';
import { GalleryItem, type GalleryItemActions } from './GalleryItem';
import './gallery.css';

/**
 * Every finished video, kept in the browser (OPFS) across reloads: play, download, generate again
 * with the same settings and images, export as a MuseV task, delete. Interrupted and failed runs
 * stay listed with their settings.
 */
export function Gallery() {
  const gallery = useApp((s) => s.gallery);
  const busy = useApp((s) => isBusy(s.job.status) || s.queue.running || s.gpuCheck.status === 'running');
  const a = useApp(
    useShallow((s) => ({
      load: s.loadGallery, open: s.openGalleryVideo, close: s.closeGalleryVideo, again: s.generateAgain,
      exportTask: s.exportGalleryTask, remove: s.deleteGalleryEntry, dismiss: s.dismissGalleryNotice,
    })),
  );
  useEffect(() => {
    void a.load();
  }, [a.load]);

  const actions: GalleryItemActions = {
    play: (id) => void a.open(id),
    again: (id) => void a.again(id).then((ok) => ok && window.scrollTo({ top: 0, behavior: 'smooth' })),
    exportTask: (id) => {
      const out = a.exportTask(id);
      if (out) downloadText(out.yaml, out.fileName);
    },
    remove: (id) => void a.remove(id),
  };
  const openEntry = gallery.open ? gallery.entries.find((e) => e.meta.id === gallery.open!.id) : null;

  return (
    <section className="gallery" aria-labelledby="gallery-heading" data-testid="gallery" data-status={gallery.status}>
      <h2 id="gallery-heading">
        Gallery <span className="muted">({gallery.entries.length})</span>
      </h2>
      {!gallery.persistent && <p className="muted hint">This browser cannot keep files for the site: the gallery lasts for this visit only.</p>}
      {gallery.notice && (
        <div className="gallery-notice" role="alert" data-testid="gallery-notice">
          <span>{gallery.notice}</span>
          <button type="button" className="icon-button" aria-label="Dismiss" onClick={a.dismiss}>
            ×
          </button>
        </div>
      )}
      {gallery.open && openEntry?.meta.video && (
        <div className="gallery-player">
          {openEntry.meta.video.mimeType === 'image/gif' ? (
            <img data-testid="gallery-gif" src={gallery.open.url} alt="The generated animation" />
          ) : (
            openEntry.meta.video.mimeType.startsWith('video/') && <video data-testid="gallery-video" src={gallery.open.url} controls loop autoPlay muted playsInline />
          )}
          <div className="gallery-actions">
            <a className="button primary" data-testid="gallery-download" href={gallery.open.url} download={`musev-${openEntry.meta.id}.${openEntry.meta.video.file.split('.').pop()}`}>
              Download {openEntry.meta.video.file.split('.').pop()?.toUpperCase()}
            </a>
            <button type="button" className="button" onClick={a.close}>
              Close
            </button>
          </div>
        </div>
      )}
      {gallery.entries.length === 0 ? (
        <p className="muted hint">Finished videos are kept here, in this browser, until you delete them.</p>
      ) : (
        <ul className="gallery-list">
          {gallery.entries.map((e) => (
            <GalleryItem key={e.meta.id} entry={e} busy={busy} actions={actions} />
          ))}
        </ul>
      )}
    </section>
  );
}
