import { useApp } from '../store';

/** Prompt and negative prompt (persisted as you type). */
export function PromptFields() {
  const prompt = useApp((s) => s.settings.prompt);
  const negative = useApp((s) => s.settings.negativePrompt);
  const setSetting = useApp((s) => s.setSetting);
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
      <label className="field">
        <span className="field-label">Negative prompt</span>
        <textarea
          data-testid="negative-prompt"
          rows={2}
          value={negative}
          placeholder="what to avoid, e.g. blurry, distorted"
          onChange={(e) => setSetting('negativePrompt', e.target.value)}
        />
      </label>
    </section>
  );
}
