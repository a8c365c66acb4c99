import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { formatBytes } from '../core/formatBytes';
import { useApp } from '../store';
import { managerEntries } from '../store/packCatalog';
import { PackImport } from './PackImport';
import { PackRow } from './PackRow';

/** The app's base URL for the bundled packs' manifests (same resolution as the store's deps). */
const bundledUrl = (path: string) => new URL(`${import.meta.env.BASE_URL}${path}`, document.baseURI).href;

function UrlForm(props: { testId: string; label: string; placeholder: string; initial?: string; button: string; submit(text: string): string | null }) {
  const [text, setText] = useState(props.initial ?? '');
  const [problem, setProblem] = useState<string | null>(null);
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const p = props.submit(text);
    setProblem(p);
    if (!p && !props.initial) setText('');
  };
  return (
    <form className="pack-url-form" onSubmit={onSubmit}>
      <label className="field-label">
        {props.label}
        <input type="url" data-testid={props.testId} value={text} placeholder={props.placeholder} onChange={(e) => setText(e.target.value)} />
      </label>
      <button type="submit" data-testid={`${props.testId}-submit`}>
        {props.button}
      </button>
      {problem && <span className="field-error">{problem}</span>}
    </form>
  );
}

/**
 * Pack manager: the catalog (bundled demo packs, the MuseV fp16 families under the base URL,
 * packs added by URL, imported packs) with size, GPU needs and state; downloads into the browser's
 * storage (OPFS) with progress, resume, verification, delete; import from files.
 */
export function PackManager() {
  const { installed, baseUrl, customUrls, estimate } = useApp(
    useShallow((s) => ({ installed: s.installedPacks, baseUrl: s.packBaseUrl, customUrls: s.customPackUrls, estimate: s.storageEstimate })),
  );
  const refreshPacks = useApp((s) => s.refreshPacks);
  const inspectPack = useApp((s) => s.inspectPack);
  const addPackUrl = useApp((s) => s.addPackUrl);
  const setPackBaseUrl = useApp((s) => s.setPackBaseUrl);
  const entries = useMemo(() => managerEntries({ bundledUrl, baseUrl, customUrls, installed }), [baseUrl, customUrls, installed]);

  useEffect(() => {
    void refreshPacks();
  }, [refreshPacks]);
  // Bundled and user-added packs are read at once; the MuseV family entries point at a model host,
  // which is contacted only when the user asks (their row's "Check size"), never just by opening the app.
  useEffect(() => {
    for (const e of entries) if (e.manifestUrl && !e.stored && e.kind !== 'family') void inspectPack(e.manifestUrl);
  }, [entries, inspectPack]);

  return (
    <section className="pack-manager" aria-label="Pack manager" data-testid="pack-manager">
      <h2>Model packs</h2>
      <p className="field-hint" data-testid="storage-estimate">
        {estimate
          ? `Browser storage: ${formatBytes(estimate.usage)} used of ${formatBytes(estimate.quota)} (${formatBytes(Math.max(0, estimate.quota - estimate.usage))} free)${estimate.persisted ? ', kept by the browser' : ', may be cleared by the browser when space runs low'}.`
          : 'Browser storage: unknown.'}
      </p>
      <ul className="pack-rows">
        {entries.map((e) => (
          <PackRow key={e.key} entry={e} freeBytes={estimate ? estimate.quota - estimate.usage : null} />
        ))}
      </ul>
      <UrlForm testId="pack-url" label="Add a pack by its manifest URL" placeholder="https://…/manifest.json" button="Add" submit={addPackUrl} />
      <UrlForm testId="pack-base-url" label="Where the MuseV packs are (base URL)" placeholder="https://huggingface.co/…/resolve/main/" initial={baseUrl} button="Save" submit={setPackBaseUrl} />
      <PackImport />
    </section>
  );
}
