import type { QueueItem } from '../store/queueSlice';
import { formatBytes } from './text';

const STATUS_LABEL: Record<QueueItem['status'], string> = {
  queued: 'queued',
  running: 'running',
  done: 'done',
  failed: 'failed',
  'missing-image': 'needs image',
  cancelled: 'cancelled',
};

/** One task of the queue: name (and fission variant), prompt, image, status, notes, and its video when done. */
export function TaskItem({ item }: { item: QueueItem }) {
  const { task, status, result } = item;
  const variant = Object.entries(task.variant).map(([k, v]) => `${k}=${v}`).join(', ');
  return (
    <li className={`task-item task-${status}`} data-testid="task-item" data-status={status} data-name={task.name}>
      <div className="task-head">
        <strong className="task-name">{task.name}</strong>
        {variant && <span className="task-variant muted">{variant}</span>}
        <span className="muted task-line">line {task.line}</span>
        <span className={`status task-status status-${status}`} data-testid="task-status">
          {STATUS_LABEL[status]}
        </span>
      </div>
      <p className="task-prompt" title={task.prompt}>
        {task.prompt || <span className="muted">(empty prompt)</span>}
      </p>
      <p className="task-image muted" data-testid="task-image">
        {item.imageName ? `Image: ${item.imageName}` : 'No condition image: the first frame is generated from the prompt'}
      </p>
      {item.message && (
        <p className={status === 'failed' || status === 'missing-image' ? 'task-message field-error' : 'task-message muted'} data-testid="task-message">
          {item.message}
        </p>
      )}
      {item.notes.length > 0 && (
        <ul className="task-notes muted">
          {item.notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
      {result && (
        <div className="task-result">
          <video data-testid="task-video" src={result.url} controls loop muted playsInline />
          <a className="button" data-testid="task-download" href={result.url} download={result.name}>
            Download MP4
          </a>
          <span className="muted">
            {result.name} · {formatBytes(result.bytes)}
          </span>
        </div>
      )}
    </li>
  );
}
