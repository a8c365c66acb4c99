/// <reference types="vite-plugin-pwa/vanillajs" />
import { useEffect, useState } from 'react';
import { registerSW } from 'virtual:pwa-register';

let update: ((reload?: boolean) => Promise<void>) | null = null;
const listeners = new Set<() => void>();
let waiting = false;

/** Registers the service worker once (production builds; a no-op stub under `vite dev`). */
function register() {
  if (update || !('serviceWorker' in navigator)) return;
  update = registerSW({
    onNeedRefresh() {
      waiting = true;
      for (const l of listeners) l();
    },
  });
}

/**
 * "A new version is ready — Reload": shown when a newly deployed service worker waits
 * (registerType 'prompt'). Reload activates it and reloads the page; the toast can be dismissed.
 */
export function UpdateToast() {
  const [ready, setReady] = useState(waiting);
  useEffect(() => {
    const l = () => setReady(true);
    listeners.add(l);
    register();
    return () => void listeners.delete(l);
  }, []);
  if (!ready) return null;
  return (
    <div className="update-toast" role="status" data-testid="update-toast">
      <span>A new version is ready.</span>
      <button type="button" className="button primary" data-testid="update-reload" onClick={() => void update?.(true)}>
        Reload
      </button>
      <button type="button" className="icon-button" aria-label="Dismiss" onClick={() => setReady(false)}>
        ×
      </button>
    </div>
  );
}
