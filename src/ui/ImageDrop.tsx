import { useEffect, useRef, useState, type ChangeEvent } from 'react';
import { useApp } from '../store';
import { formatBytes } from './text';

function isEditable(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (target.isContentEditable || target.matches('input, textarea, select'));
}

/** The first file of a clipboard, if any (screenshots and "copy image" give one). */
function clipboardFile(data: DataTransfer | null): File | null {
  if (!data) return null;
  for (const item of Array.from(data.items ?? [])) {
    if (item.kind === 'file') return item.getAsFile();
  }
  return data.files?.[0] ?? null;
}

const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer?.types ?? []).includes('Files');

/**
 * Reference image: drop anywhere on the page, paste, or pick with the button / by clicking the zone.
 * A bad file leaves the current image in place (the store says why in the error banner).
 */
export function ImageDrop() {
  const image = useApp((s) => s.image);
  const loading = useApp((s) => s.imageLoading);
  const setImageFile = useApp((s) => s.setImageFile);
  const [dragging, setDragging] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    let depth = 0;
    const onEnter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth++;
      setDragging(true);
    };
    const onLeave = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setDragging(false);
    };
    // Without this a file dropped outside the zone would open in the tab and lose the page.
    const onOver = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    };
    const onDrop = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth = 0;
      setDragging(false);
      const file = e.dataTransfer?.files[0];
      if (file) void setImageFile(file);
    };
    const onPaste = (e: ClipboardEvent) => {
      // Pasting text into the prompt stays a text paste.
      if (isEditable(e.target) && e.clipboardData?.types.includes('text/plain')) return;
      const file = clipboardFile(e.clipboardData);
      if (!file) return;
      e.preventDefault();
      void setImageFile(file);
    };
    window.addEventListener('dragenter', onEnter);
    window.addEventListener('dragleave', onLeave);
    window.addEventListener('dragover', onOver);
    window.addEventListener('drop', onDrop);
    window.addEventListener('paste', onPaste);
    return () => {
      window.removeEventListener('dragenter', onEnter);
      window.removeEventListener('dragleave', onLeave);
      window.removeEventListener('dragover', onOver);
      window.removeEventListener('drop', onDrop);
      window.removeEventListener('paste', onPaste);
    };
  }, [setImageFile]);

  const onPick = (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    e.target.value = ''; // picking the same file again still fires change
    if (file) void setImageFile(file);
  };

  return (
    <section className="image-drop" aria-labelledby="image-heading">
      <h2 id="image-heading">Reference image</h2>
      <label
        htmlFor="image-input"
        className={`drop-zone${dragging ? ' dragging' : ''}${image ? ' has-image' : ''}`}
        data-testid="image-drop"
        data-state={loading ? 'loading' : image ? 'ready' : 'empty'}
      >
        {image ? (
          <img src={image.url} alt={`Reference: ${image.name}`} data-testid="image-preview" />
        ) : (
          <span className="drop-hint">
            <strong>Drop an image here</strong>
            <span>or paste one, or click to choose (PNG, JPEG, WebP)</span>
          </span>
        )}
        {loading && <span className="drop-busy">Reading image…</span>}
      </label>
      <input
        ref={input}
        id="image-input"
        className="visually-hidden"
        data-testid="image-input"
        type="file"
        accept="image/*"
        onChange={onPick}
      />
      <div className="image-meta">
        {image ? (
          <span data-testid="image-info">
            {image.name} · {image.width}×{image.height} · {formatBytes(image.bytes)}
          </span>
        ) : (
          <span className="muted">No image yet</span>
        )}
        <button type="button" onClick={() => input.current?.click()}>
          {image ? 'Replace…' : 'Choose image…'}
        </button>
      </div>
    </section>
  );
}
