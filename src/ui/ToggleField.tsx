import { useId } from 'react';
import { useApp } from '../store';
import type { BooleanSettingKey } from '../store/settings';

interface Props {
  name: BooleanSettingKey;
  label: string;
  testId: string;
  hint?: string;
  disabled?: boolean;
}

/** An on/off setting as a checkbox with its explanation. */
export function ToggleField({ name, label, testId, hint, disabled }: Props) {
  const value = useApp((s) => s.settings[name]);
  const setSetting = useApp((s) => s.setSetting);
  const id = useId();
  return (
    <div className="field toggle-field">
      <label className="toggle" htmlFor={id}>
        <input
          id={id}
          type="checkbox"
          data-testid={testId}
          checked={value}
          disabled={disabled}
          aria-describedby={hint ? `${id}-hint` : undefined}
          onChange={(e) => setSetting(name, e.target.checked)}
        />
        <span className="field-label">{label}</span>
      </label>
      {hint && (
        <span id={`${id}-hint`} className="field-hint">
          {hint}
        </span>
      )}
    </div>
  );
}
