import { useEffect, useState } from 'react';
import { useApp } from '../store';
import { ImageSlotView } from './ImageSlotView';

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
 * Condition (first-frame) image: drop anywhere on the page, paste, or pick with the button / by
 * clicking the zone. A bad file leaves the current image in place (the store says why in the error banner).
 */
export function ImageDrop() {
  const setImageFile = useApp((s) => s.setImageFile);
  const generating = useApp((s) => s.settings.firstFrame === 'generate');
  const [dragging, setDragging] = useState(false);

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
    // A drop on an extra image slot stops at the slot; this one sees the rest of the page.
    const reset = () => {
      depth = 0;
      setDragging(false);
    };
    window.addEventListener('dragenter', onEnter);
    window.addEventListener('dragleave', onLeave);
    window.addEventListener('dragover', onOver);
    window.addEventListener('drop', onDrop);
    window.addEventListener('drop', reset, true);
    window.addEventListener('paste', onPaste);
    return () => {
      window.removeEventListener('dragenter', onEnter);
      window.removeEventListener('dragleave', onLeave);
      window.removeEventListener('dragover', onOver);
      window.removeEventListener('drop', onDrop);
      window.removeEventListener('drop', reset, true);
      window.removeEventListener('paste', onPaste);
    };
  }, [setImageFile]);

  return (
    <ImageSlotView
      slot="image"
      title="Condition image (first frame)"
      testPrefix="image"
      inputTestId="image-input"
      dragging={dragging}
      emptyHint={
        <>
          <strong>Drop an image here</strong>
          <span>or paste one, or click to choose (PNG, JPEG, WebP)</span>
        </>
      }
      emptyMeta={generating ? 'Not needed: the first frame is generated from the prompt' : 'No image yet'}
    />
  );
}
