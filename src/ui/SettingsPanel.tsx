import { useMemo } from 'react';
import { useApp } from '../store';
import { validateSettings } from '../store/settings';
import { GpuSettings } from './GpuSettings';
import { NumberField } from './NumberField';

/** Generation settings with inline validation (defaults come from the model pack). */
export function SettingsPanel() {
  const settings = useApp((s) => s.settings);
  const rollSeed = useApp((s) => s.rollSeed);
  const resetSettings = useApp((s) => s.resetSettings);
  const errors = useMemo(() => validateSettings(settings), [settings]);

  return (
    <section className="settings" aria-labelledby="settings-heading">
      <div className="section-head">
        <h2 id="settings-heading">Settings</h2>
        <button type="button" className="link-button" data-testid="reset-settings" onClick={resetSettings}>
          Reset to defaults
        </button>
      </div>
      <div className="settings-grid">
        <NumberField name="frames" label="Frames" testId="frames" hint="video length after the first frame" error={errors.frames} />
        <NumberField name="fps" label="FPS" testId="fps" error={errors.fps} />
        <NumberField name="contextFrames" label="Context frames" testId="context-frames" hint="frames per window" error={errors.contextFrames} />
        <NumberField name="contextOverlap" label="Context overlap" testId="context-overlap" hint="less than context frames" error={errors.contextOverlap} />
        <NumberField name="steps" label="Steps" testId="steps" hint="denoising steps" error={errors.steps} />
        <NumberField name="guidanceScale" label="Guidance" testId="guidance" step={0.5} error={errors.guidanceScale} />
        <NumberField name="width" label="Width" testId="width" step={64} hint="multiple of 64" error={errors.width} />
        <NumberField name="height" label="Height" testId="height" step={64} hint="multiple of 64" error={errors.height} />
        <NumberField name="motionSpeed" label="Motion speed" testId="motion-speed" step={0.5} error={errors.motionSpeed} />
        <NumberField name="seed" label="Seed" testId="seed" error={errors.seed}>
          <button type="button" className="icon-button dice" data-testid="seed-dice" aria-label="Random seed" title="Random seed" onClick={rollSeed}>
            <DiceIcon />
          </button>
        </NumberField>
      </div>
      <GpuSettings />
      <details className="advanced">
        <summary>Advanced</summary>
        <div className="settings-grid">
          <NumberField name="wIndNoise" label="Independent noise" testId="w-ind-noise" step={0.05} hint="0..1, per-frame noise share" error={errors.wIndNoise} />
          <NumberField name="imgWeight" label="Image weight" testId="img-weight" step={0.001} hint="first-frame latent mix" error={errors.imgWeight} />
        </div>
      </details>
    </section>
  );
}

/** A die face (inline SVG: emoji fonts are not everywhere). */
function DiceIcon() {
  return (
    <svg width="18" height="18" viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="2">
      <rect x="3" y="3" width="18" height="18" rx="4" />
      <circle cx="8.5" cy="8.5" r="1.2" fill="currentColor" />
      <circle cx="15.5" cy="15.5" r="1.2" fill="currentColor" />
      <circle cx="12" cy="12" r="1.2" fill="currentColor" />
    </svg>
  );
}
