import { useId } from 'react';
import { useApp } from '../store';
import { CHOICES, isChoice, type ChoiceSettingKey } from '../store/settings';
import { FieldNote, describedById } from './FieldNote';

interface Props<K extends ChoiceSettingKey> {
  name: K;
  label: string;
  testId: string;
  /** Words for each choice (default: the choice itself, MuseV's name). */
  labels?: Partial<Record<(typeof CHOICES)[K][number], string>>;
  /** Choices that cannot be picked now, with the reason shown next to them. */
  unavailable?: Partial<Record<(typeof CHOICES)[K][number], string>>;
  hint?: string;
  error?: string;
  disabled?: boolean;
}

/** A setting that is one of a few words (MuseV's names), as a select. */
export function ChoiceField<K extends ChoiceSettingKey>({ name, label, testId, labels, unavailable, hint, error, disabled }: Props<K>) {
  const value = useApp((s) => s.settings[name]);
  const setSetting = useApp((s) => s.setSetting);
  const id = useId();
  const describedBy = describedById(id, error, hint);
  const choices = CHOICES[name] as readonly (typeof CHOICES)[K][number][];
  return (
    <div className={`field choice-field${error ? ' invalid' : ''}`}>
      <label htmlFor={id} className="field-label">
        {label}
      </label>
      <select
        id={id}
        data-testid={testId}
        value={String(value)}
        disabled={disabled}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
        onChange={(e) => {
          if (isChoice(name, e.target.value)) setSetting(name, e.target.value);
        }}
      >
        {choices.map((c) => {
          const why = unavailable?.[c];
          return (
            <option key={c} value={c} disabled={why !== undefined}>
              {labels?.[c] ?? c}
              {why ? ` (${why})` : ''}
            </option>
          );
        })}
      </select>
      <FieldNote id={id} testId={testId} error={error} hint={hint} />
    </div>
  );
}
