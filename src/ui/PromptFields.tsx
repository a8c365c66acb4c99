import { useApp } from '../store';
import { isNegativePresetChoice, NEGATIVE_PRESET_CHOICES, negativePresetLabel, negativePresetOf, negativeTextFor } from '../store/negativePreset';

/**
 * Prompt and negative prompt (persisted as you type). The negative prompt's preset select fills the
 * box with one of MuseV's texts (Negative_Prompt_CFG); editing the text makes it Custom.
 */
export function PromptFields() {
  const prompt = useApp((s) => s.settings.prompt);
  const negative = useApp((s) => s.settings.negativePrompt);
  const setSetting = useApp((s) => s.setSetting);
  const preset = negativePresetOf(negative);
  return (
    <section className="prompt-fields" aria-label="Prompts">
      <label className="field">
        <span className="field-label">Prompt</span>
        <textarea
          data-testid="prompt"
          rows={3}
          value={prompt}
          placeholder="(masterpiece, best quality, highres:1), (1girl, solo:1), (eye blinks:1.8), (head wave:1.3)"
          onChange={(e) => setSetting('prompt', e.target.value)}
        />
      </label>
      <div className="field">
        <div className="field-row negative-head">
          <label className="field-label" htmlFor="negative-prompt">
            Negative prompt
          </label>
          <select
            data-testid="negative-preset"
            aria-label="Negative prompt preset"
            value={preset}
            onChange={(e) => {
              if (isNegativePresetChoice(e.target.value)) setSetting('negativePrompt', negativeTextFor(e.target.value, negative));
            }}
          >
            {NEGATIVE_PRESET_CHOICES.map((c) => (
              <option key={c} value={c} disabled={c === 'Custom' && preset !== 'Custom'}>
                {negativePresetLabel(c)}
              </option>
            ))}
          </select>
        </div>
        <textarea
          id="negative-prompt"
          data-testid="negative-prompt"
          rows={2}
          value={negative}
          placeholder="what to avoid, e.g. blurry, distorted"
          onChange={(e) => setSetting('negativePrompt', e.target.value)}
        />
        <span className="field-hint">MuseV’s presets V1–V5 (V2 is its default); edit the text for your own.</span>
      </div>
    </section>
  );
}
