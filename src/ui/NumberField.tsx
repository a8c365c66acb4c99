import { useId, useState, type ReactNode } from 'react';
import { useApp, type NumericSettingKey } from '../store';
import { LIMITS } from '../store/settings';
import { parseNumberInput } from './text';

interface Props {
  name: NumericSettingKey;
  label: string;
  testId: string;
  step?: number;
  hint?: string;
  error?: string;
  children?: ReactNode;
}

/**
 * A numeric setting. Keeps its own text while you type ("", "7.") and commits every parse to the
 * store (NaN when blank), so the form's validation always describes what is in the box.
 */
export function NumberField({ name, label, testId, step = 1, hint, error, children }: Props) {
  const value = useApp((s) => s.settings[name]);
  const setSetting = useApp((s) => s.setSetting);
  const [text, setText] = useState(() => (Number.isNaN(value) ? '' : String(value)));
  const [seen, setSeen] = useState(value);
  const id = useId();

  // Follow changes made elsewhere (dice, reset, a new image's size) unless the box already says it.
  // Adjusted during render (React's "state from props" pattern), so there is no stale frame.
  if (!Object.is(seen, value)) {
    setSeen(value);
    if (!Number.isNaN(value) && !Object.is(parseNumberInput(text), value)) setText(String(value));
  }

  const { min, max } = LIMITS[name];
  const describedBy = error ? `${id}-err` : hint ? `${id}-hint` : undefined;
  return (
    <div className={`field number-field${error ? ' invalid' : ''}`}>
      <label htmlFor={id} className="field-label">
        {label}
      </label>
      <div className="field-row">
        <input
          id={id}
          data-testid={testId}
          type="number"
          inputMode={Number.isInteger(step) ? 'numeric' : 'decimal'}
          min={min}
          max={max}
          step={step}
          value={text}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy}
          onChange={(e) => {
            setText(e.target.value);
            setSetting(name, parseNumberInput(e.target.value));
          }}
        />
        {children}
      </div>
      {error ? (
        <span id={`${id}-err`} className="field-error" data-testid={`${testId}-error`}>
          {error}
        </span>
      ) : hint ? (
        <span id={`${id}-hint`} className="field-hint">
          {hint}
        </span>
      ) : null}
    </div>
  );
}
