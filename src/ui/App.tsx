import { useEffect } from 'react';
import { useApp } from '../store';
import { BackendBadge, PackNotice } from './BackendBadge';
import { ErrorBanner } from './ErrorBanner';
import { GenerateBar } from './GenerateBar';
import { ImageDrop } from './ImageDrop';
import { LiveFrames } from './LiveFrames';
import { PromptFields } from './PromptFields';
import { ResultPlayer } from './ResultPlayer';
import { SettingsPanel } from './SettingsPanel';

/** Layout: inputs on the left, generation and results on the right (stacked on narrow screens). */
export function App() {
  const init = useApp((s) => s.init);
  useEffect(() => {
    void init();
  }, [init]);

  return (
    <div className="app">
      <header className="app-header">
        <h1>
          MuseV <span className="muted">Web</span>
        </h1>
        <BackendBadge />
      </header>
      <PackNotice />
      <ErrorBanner />
      <main className="layout">
        <div className="column inputs">
          <div className="panel">
            <ImageDrop />
            <PromptFields />
          </div>
          <div className="panel">
            <SettingsPanel />
          </div>
        </div>
        <div className="column outputs">
          <div className="panel">
            <GenerateBar />
          </div>
          <div className="panel">
            <LiveFrames />
          </div>
          <ResultPanel />
        </div>
      </main>
      <footer className="app-footer muted">
        Runs entirely in your browser with Tencent's MuseV (onnxruntime-web, ffmpeg.wasm). Nothing is uploaded.
      </footer>
    </div>
  );
}

function ResultPanel() {
  const hasResult = useApp((s) => s.job.resultUrl !== null);
  return hasResult ? (
    <div className="panel">
      <ResultPlayer />
    </div>
  ) : null;
}
