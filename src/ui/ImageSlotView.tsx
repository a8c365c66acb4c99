import { useId, useRef, type ChangeEvent, type DragEvent, type ReactNode } from 'react';
import { useApp } from '../store';
import { loadingKey, type ImageSlot } from '../store/imageSlice';
import { formatBytes } from './text';

interface Props {
  slot: ImageSlot;
  title: string;
  /** Test ids: `${testPrefix}-drop`, `-preview`, `-info`; the file input gets `inputTestId`. */
  testPrefix: string;
  inputTestId: string;
  /** What the empty zone says. */
  emptyHint: ReactNode;
  /** What the line under an empty zone says ("No image yet", "Same as first frame"). */
  emptyMeta: ReactNode;
  /** The page-wide drag highlight (condition image only). */
  dragging?: boolean;
  /** Extra slots: a button that empties the slot (back to the default). */
  clearLabel?: string;
}

/**
 * One image input: a drop zone that is also a file picker, the preview, and a line with name,
 * size and the choose/clear buttons. Validation and decoding are the store's (setImageFile), the
 * same for every slot. Drops on this zone go to this slot only.
 */
export function ImageSlotView({ slot, title, testPrefix, inputTestId, emptyHint, emptyMeta, dragging, clearLabel }: Props) {
  const image = useApp((s) => s[slot]);
  const loading = useApp((s) => s[loadingKey(slot)]);
  const setImageFile = useApp((s) => s.setImageFile);
  const clearImage = useApp((s) => s.clearImage);
  const input = useRef<HTMLInputElement>(null);
  const id = useId();

  const onPick = (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    e.target.value = ''; // picking the same file again still fires change
    if (file) void setImageFile(file, slot);
  };
  // Extra slots keep their drops: the page-wide handler would give them to the condition image.
  const onDrop = (e: DragEvent) => {
    if (slot === 'image') return;
    const file = e.dataTransfer.files[0];
    if (!file) return;
    e.preventDefault();
    e.stopPropagation();
    void setImageFile(file, slot);
  };

  return (
    <section className={`image-drop image-slot-${slot}`} aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>{title}</h2>
      <label
        htmlFor={`${id}-input`}
        className={`drop-zone${dragging ? ' dragging' : ''}${image ? ' has-image' : ''}`}
        data-testid={`${testPrefix}-drop`}
        data-state={loading ? 'loading' : image ? 'ready' : 'empty'}
        onDrop={onDrop}
      >
        {image ? (
          <img src={image.url} alt={`${title}: ${image.name}`} data-testid={`${testPrefix}-preview`} />
        ) : (
          <span className="drop-hint">{emptyHint}</span>
        )}
        {loading && <span className="drop-busy">Reading image…</span>}
      </label>
      <input ref={input} id={`${id}-input`} className="visually-hidden" data-testid={inputTestId} type="file" accept="image/*" onChange={onPick} />
      <div className="image-meta">
        {image ? (
          <span data-testid={`${testPrefix}-info`}>
            {image.name} · {image.width}×{image.height} · {formatBytes(image.bytes)}
          </span>
        ) : (
          <span className="muted" data-testid={`${testPrefix}-info`}>
            {emptyMeta}
          </span>
        )}
        <span className="image-buttons">
          {image && clearLabel && (
            <button type="button" className="link-button" onClick={() => clearImage(slot)}>
              {clearLabel}
            </button>
          )}
          <button type="button" onClick={() => input.current?.click()}>
            {image ? 'Replace…' : 'Choose image…'}
          </button>
        </span>
      </div>
    </section>
  );
}
