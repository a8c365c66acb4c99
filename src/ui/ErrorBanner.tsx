import { useApp } from '../store';
import { errorTitle } from './text';

/** The one place errors show: what happened, what to do, and the technical detail folded away. */
export function ErrorBanner() {
  const error = useApp((s) => s.error);
  const dismiss = useApp((s) => s.dismissError);
  if (!error) return null;
  return (
    <div className="error-banner" data-testid="error" data-code={error.code} role="alert">
      <div className="error-body">
        <strong className="error-title">{errorTitle(error.code)}</strong>
        <p className="error-message">{error.message}</p>
        {error.detail && (
          <details className="error-detail">
            <summary>Technical detail</summary>
            <code>
              {error.code}: {error.detail}
            </code>
          </details>
        )}
      </div>
      <button type="button" className="icon-button" data-testid="dismiss-error" aria-label="Dismiss error" onClick={dismiss}>
        ×
      </button>
    </div>
  );
}
