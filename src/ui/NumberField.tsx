import { useId, useState, type ReactNode } from 'react';
import { useApp, type NumericSettingKey } from '../store';
import { LIMITS, NULLABLE_NUMBERS, type NullableNumericSettingKey } from '../store/settings';
import { parseNumberInput } from './text';
import { FieldNote, describedById } from './FieldNote';

interface Props {
  /** A numeric setting, or one that may be blank (null), like the guidance end. */
  name: NumericSettingKey | NullableNumericSettingKey;
  label: string;
  testId: string;
  step?: number;
  hint?: string;
  error?: string;
  disabled?: boolean;
  /** Shown in an empty box of a blank-able setting ("same as start"). */
  placeholder?: string;
  children?: ReactNode;
}

const show = (v: number | null) => (v === null || Number.isNaN(v) ? '' : String(v));

/**
 * A numeric setting. Keeps its own text while you type ("", "7.") and commits every parse to the
 * store (NaN when blank, or null for blank-able settings), so the form's validation always
 * describes what is in the box.
 */
export function NumberField({ name, label, testId, step = 1, hint, error, disabled, placeholder, children }: Props) {
  const value = useApp((s) => s.settings[name]);
  const setSetting = useApp((s) => s.setSetting);
  const [text, setText] = useState(() => show(value));
  const [seen, setSeen] = useState(value);
  const id = useId();
  const nullable = (NULLABLE_NUMBERS as readonly string[]).includes(name);

  // Follow changes made elsewhere (dice, reset, presets, a new image's size) unless the box already
  // says it. Adjusted during render (React's "state from props" pattern), so there is no stale frame.
  if (!Object.is(seen, value)) {
    setSeen(value);
    const typed = parseNumberInput(text);
    if (value === null ? text.trim() !== '' : !Number.isNaN(value) && !Object.is(typed, value)) setText(show(value));
  }

  const commit = (raw: string) => {
    setText(raw);
    const parsed = parseNumberInput(raw);
    if (nullable) setSetting(name, raw.trim() === '' ? null : parsed);
    else setSetting(name, parsed);
  };

  const { min, max } = LIMITS[name];
  const describedBy = describedById(id, error, hint);
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
          placeholder={placeholder}
          disabled={disabled}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy}
          onChange={(e) => commit(e.target.value)}
        />
        {children}
      </div>
      <FieldNote id={id} testId={testId} error={error} hint={hint} />
    </div>
  );
}
