import { useMemo } from 'react';
import { useApp } from '../store';
import { firstFrameUnavailableReason } from '../store/packFeatures';
import { validateSettings } from '../store/settings';
import { ChoiceField } from './ChoiceField';
import { NumberField } from './NumberField';

const LABELS = { image: 'Use my image', generate: 'Generate from the prompt', redraw: 'Redraw my image' } as const;

const ABOUT = {
  image: 'Your image is the first frame as it is (MuseV’s default).',
  generate: 'Text → image → video: MuseV first makes the first frame from the prompt with the spatial UNet (no image needed), then animates it.',
  redraw: 'MuseV first redraws your image with the spatial UNet (img2img), then animates the redrawn frame.',
} as const;

/** How the condition (first) frame is obtained (spec §2.4), and the first-frame pipeline's numbers. */
export function FirstFrameMode() {
  const mode = useApp((s) => s.settings.firstFrame);
  const reason = useApp((s) => firstFrameUnavailableReason(s.packFeatures));
  const settings = useApp((s) => s.settings);
  const errors = useMemo(() => validateSettings(settings), [settings]);
  const unavailable = reason ? { generate: reason, redraw: reason } : undefined;

  return (
    <section className="first-frame" aria-label="First frame">
      <ChoiceField name="firstFrame" label="First frame" testId="first-frame-mode" labels={LABELS} unavailable={unavailable} error={errors.firstFrame} />
      <p className="field-hint" data-testid="first-frame-about">
        {ABOUT[mode]}
      </p>
      {mode !== 'image' && (
        <div className="settings-grid">
          <NumberField name="firstFrameSteps" label="First-frame steps" testId="first-frame-steps" hint="num_inference_steps (30)" error={errors.firstFrameSteps} />
          <NumberField
            name="firstFrameGuidanceScale"
            label="First-frame guidance"
            testId="first-frame-guidance"
            step={0.5}
            hint="guidance_scale (7.5)"
            error={errors.firstFrameGuidanceScale}
          />
          <FirstFrameNegative error={errors.firstFrameNegativePrompt} />
        </div>
      )}
    </section>
  );
}

/** MuseV's `negative_prompt` (first frame); blank = the video's negative prompt. */
function FirstFrameNegative({ error }: { error?: string }) {
  const value = useApp((s) => s.settings.firstFrameNegativePrompt);
  const setSetting = useApp((s) => s.setSetting);
  return (
    <label className={`field first-frame-negative${error ? ' invalid' : ''}`}>
      <span className="field-label">First-frame negative prompt</span>
      <textarea
        data-testid="first-frame-negative"
        rows={2}
        value={value ?? ''}
        placeholder="blank: the video's negative prompt"
        onChange={(e) => setSetting('firstFrameNegativePrompt', e.target.value === '' ? null : e.target.value)}
      />
      {error && <span className="field-error">{error}</span>}
    </label>
  );
}
