import { useEffect } from 'react';
import { useApp } from '../store';
import { BackendBadge, PackNotice } from './BackendBadge';
import { ErrorBanner } from './ErrorBanner';
import { ExtraImages } from './ExtraImages';
import { FirstFrameMode } from './FirstFrameMode';
import { Gallery } from './Gallery';
import { GenerateBar } from './GenerateBar';
import { ImageDrop } from './ImageDrop';
import { LiveFrames } from './LiveFrames';
import { PackManager } from './PackManager';
import { PackPicker } from './PackPicker';
import { PromptFields } from './PromptFields';
import { ResultPlayer } from './ResultPlayer';
import { SettingsPanel } from './SettingsPanel';
import { TaskQueue } from './TaskQueue';
import { UpdateToast } from './UpdateToast';

/**
 * Layout: inputs on the left, generation and results on the right. On narrow screens the panels
 * stack as image/prompt → generate → frames → result → settings (CSS order), so Generate stays near.
 */
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
          <div className="panel panel-inputs">
            <PackPicker />
            <FirstFrameMode />
            <ImageDrop />
            <ExtraImages />
            <PromptFields />
          </div>
          <div className="panel panel-settings">
            <SettingsPanel />
          </div>
          <div className="panel panel-packs">
            <PackManager />
          </div>
        </div>
        <div className="column outputs">
          <div className="panel panel-generate">
            <GenerateBar />
          </div>
          <div className="panel panel-frames">
            <LiveFrames />
          </div>
          <ResultPanel />
          <div className="panel panel-tasks">
            <TaskQueue />
          </div>
          <div className="panel panel-gallery">
            <Gallery />
          </div>
        </div>
      </main>
      <footer className="app-footer muted">
        Runs entirely in your browser with Tencent's MuseV (onnxruntime-web, ffmpeg.wasm). Nothing is uploaded.
      </footer>
      <UpdateToast />
    </div>
  );
}

function ResultPanel() {
  const hasResult = useApp((s) => s.job.resultUrl !== null);
  return hasResult ? (
    <div className="panel panel-result">
      <ResultPlayer />
    </div>
  ) : null;
}
