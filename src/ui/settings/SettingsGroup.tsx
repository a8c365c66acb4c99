import { useId, type ReactNode } from 'react';

interface Props {
  title: string;
  /** One or two sentences: what MuseV does with these numbers. */
  about: ReactNode;
  testId: string;
  children: ReactNode;
}

/** A titled, collapsible group of settings (open by default) with its explanation. */
export function SettingsGroup({ title, about, testId, children }: Props) {
  const id = useId();
  return (
    <details className="settings-group" open data-testid={testId}>
      <summary>
        <h3 id={id}>{title}</h3>
      </summary>
      <p className="group-about">{about}</p>
      <div className="settings-grid" role="group" aria-labelledby={id}>
        {children}
      </div>
    </details>
  );
}
