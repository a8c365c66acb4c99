import { useId } from 'react';
import { useApp } from '../../store';
import { isPresetId, matchingPreset, PRESETS, presetById } from '../../store/presets';

/** "Preset": set MuseV's numbers in one go; shows which preset the settings match, if any. */
export function PresetSelect() {
  const matching = useApp((s) => matchingPreset(s.settings));
  const applyPreset = useApp((s) => s.applyPreset);
  const id = useId();
  return (
    <div className="field preset-field">
      <label htmlFor={id} className="field-label">
        Preset
      </label>
      <select
        id={id}
        data-testid="preset"
        value={matching ?? ''}
        aria-describedby={`${id}-hint`}
        onChange={(e) => {
          if (isPresetId(e.target.value)) applyPreset(e.target.value);
        }}
      >
        <option value="" disabled>
          Custom settings
        </option>
        {PRESETS.map((p) => (
          <option key={p.id} value={p.id}>
            {p.label}
          </option>
        ))}
      </select>
      <span id={`${id}-hint`} className="field-hint" data-testid="preset-note">
        {matching ? presetById(matching).note : 'Pick one to set MuseV’s numbers; your image, prompt, seed, size and backend stay.'}
      </span>
    </div>
  );
}
