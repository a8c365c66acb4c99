import { useRef, useState, type ChangeEvent, type DragEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useApp } from '../store';
import { downloadText } from './download';
import { isBusy } from '../store/progress';
import { TaskItem } from './TaskItem';
import './taskQueue.css';

const isTaskFile = (f: File) => /\.ya?ml$/i.test(f.name);

/**
 * MuseV task files (configs/tasks format): import a .yaml, provide the images its tasks name, run
 * the tasks one after another with the current settings as the command-line defaults, and export
 * the current settings as a task. Files dropped on this panel stay here (task file or images).
 */
export function TaskQueue() {
  const queue = useApp((s) => s.queue);
  const actions = useApp(
    useShallow((s) => ({
      importTaskFile: s.importTaskFile, addTaskImages: s.addTaskImages, runQueue: s.runQueue, cancelQueue: s.cancelQueue,
      clearQueue: s.clearQueue, exportTask: s.exportTask, setTaskTarget: s.setTaskTarget,
    })),
  );
  const jobBusy = useApp((s) => isBusy(s.job.status) || s.gpuCheck.status === 'running');
  const [exportWarnings, setExportWarnings] = useState<string[]>([]);
  const [dragging, setDragging] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const imagesInput = useRef<HTMLInputElement>(null);

  const takeFiles = (files: File[]) => {
    const taskFile = files.find(isTaskFile);
    if (taskFile) void actions.importTaskFile(taskFile);
    const images = files.filter((f) => !isTaskFile(f));
    if (images.length) actions.addTaskImages(images);
  };
  const onPick = (e: ChangeEvent<HTMLInputElement>) => {
    const files = Array.from(e.target.files ?? []);
    e.target.value = '';
    takeFiles(files);
  };
  const onDrop = (e: DragEvent) => {
    const files = Array.from(e.dataTransfer.files);
    if (!files.length) return;
    e.preventDefault();
    e.stopPropagation(); // the page-wide drop handler would take the file as the condition image
    setDragging(false);
    takeFiles(files);
  };
  const onExport = () => {
    const { yaml, warnings, fileName } = actions.exportTask();
    setExportWarnings(warnings);
    downloadText(yaml, fileName);
  };

  const runnable = queue.items.some((it) => it.status === 'queued' || it.status === 'failed' || it.status === 'cancelled');
  const missing = queue.items.filter((it) => it.status === 'missing-image').length;

  return (
    <section
      className={`task-queue${dragging ? ' dragging' : ''}`}
      aria-labelledby="task-queue-heading"
      data-testid="task-queue"
      onDragOver={() => setDragging(true)}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
    >
      <h2 id="task-queue-heading">Task queue</h2>
      <p className="muted hint">
        Import a MuseV task file (<code>configs/tasks/*.yaml</code>) or drop it here, then add the images it names. Keys a task leaves out use
        the settings above.
      </p>
      <div className="actions">
        <button type="button" onClick={() => fileInput.current?.click()} disabled={queue.running}>
          Import task file…
        </button>
        <button type="button" onClick={() => imagesInput.current?.click()}>
          Add images…
        </button>
        <button type="button" onClick={onExport} data-testid="export-task">
          Export settings as task
        </button>
        <input ref={fileInput} className="visually-hidden" data-testid="task-file-input" type="file" accept=".yaml,.yml" onChange={onPick} />
        <input ref={imagesInput} className="visually-hidden" data-testid="task-images-input" type="file" accept="image/*" multiple onChange={onPick} />
      </div>
      {exportWarnings.length > 0 && (
        <ul className="task-notes notice" data-testid="export-warnings">
          {exportWarnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
      {queue.errors.length > 0 && (
        <ul className="task-errors" aria-live="polite">
          {queue.errors.map((e, i) => (
            <li key={i} className="field-error" data-testid="task-error" data-line={e.line} data-key={e.key ?? ''}>
              {e.message}
              {e.snippet && <pre className="task-snippet">{e.snippet}</pre>}
            </li>
          ))}
        </ul>
      )}
      {queue.fileName && (
        <>
          <div className="task-toolbar">
            <span className="muted">
              {queue.fileName}: {queue.items.length} task{queue.items.length === 1 ? '' : 's'}
              {queue.imageNames.length > 0 && ` · images: ${queue.imageNames.join(', ')}`}
              {missing > 0 && ` · ${missing} waiting for an image`}
            </span>
            <label className="task-target">
              Run only <input type="text" defaultValue={queue.target} placeholder="all" onBlur={(e) => actions.setTaskTarget(e.target.value)} disabled={queue.running} />
            </label>
          </div>
          <div className="actions">
            <button type="button" className="primary" data-testid="run-queue" disabled={queue.running || jobBusy || !runnable} onClick={() => void actions.runQueue()}>
              {queue.running ? 'Running…' : 'Run queue'}
            </button>
            <button type="button" data-testid="cancel-queue" disabled={!queue.running} onClick={actions.cancelQueue}>
              Cancel
            </button>
            <button type="button" className="link-button" disabled={queue.running} onClick={actions.clearQueue}>
              Clear
            </button>
          </div>
          <ol className="task-list" data-testid="task-list">
            {queue.items.map((item) => (
              <TaskItem key={item.id} item={item} />
            ))}
          </ol>
        </>
      )}
    </section>
  );
}
