/** The line under a form field: its error when invalid, otherwise its hint (ids for aria-describedby). */
export function describedById(id: string, error?: string, hint?: string): string | undefined {
  return error ? `${id}-err` : hint ? `${id}-hint` : undefined;
}

export function FieldNote({ id, testId, error, hint }: { id: string; testId: string; error?: string; hint?: string }) {
  if (error)
    return (
      <span id={`${id}-err`} className="field-error" data-testid={`${testId}-error`}>
        {error}
      </span>
    );
  return hint ? (
    <span id={`${id}-hint`} className="field-hint">
      {hint}
    </span>
  ) : null;
}
