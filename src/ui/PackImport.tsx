import { useState } from 'react';
import { useApp } from '../store';
import { filesFromDrop, filesFromInput, type PathFile } from './dropFiles';
import { PackProgress } from './PackRow';

/**
 * Install a pack without network: drop its folder (or its files) here, or pick the folder / files.
 * The packs worker copies them into OPFS and runs the same sha256 checks as a download.
 */
export function PackImport() {
  const importPack = useApp((s) => s.importPack);
  const busy = useApp((s) => s.packTask !== null);
  const importing = useApp((s) => (s.packTask?.kind === 'import' ? s.packTask : null));
  const error = useApp((s) => s.packErrors.import ?? null);
  const cancel = useApp((s) => s.cancelPackTask);
  const [over, setOver] = useState(false);
  const start = (files: PathFile[]) => {
    if (files.length && !busy) void importPack(files);
  };

  return (
    <div
      className={`pack-import${over ? ' over' : ''}`}
      data-testid="pack-import"
      onDragOver={(e) => {
        e.preventDefault();
        e.stopPropagation();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        // stop here: the page-wide image drop must not take a pack's files
        e.preventDefault();
        e.stopPropagation();
        setOver(false);
        void filesFromDrop(e.dataTransfer).then(start);
      }}
    >
      <span>Import a pack without network: drop its folder here, or</span>
      <label className="button">
        pick the folder
        <input
          type="file"
          hidden
          data-testid="pack-import-folder"
          disabled={busy}
          {...{ webkitdirectory: '' }}
          onChange={(e) => {
            start(filesFromInput(e.target.files));
            e.target.value = '';
          }}
        />
      </label>
      <label className="button">
        pick its files
        <input
          type="file"
          hidden
          multiple
          data-testid="pack-import-files"
          disabled={busy}
          onChange={(e) => {
            start(filesFromInput(e.target.files));
            e.target.value = '';
          }}
        />
      </label>
      {importing && <PackProgress task={importing} />}
      {importing && (
        <button type="button" data-testid="pack-import-cancel" onClick={cancel}>
          Stop import
        </button>
      )}
      {error && (
        <p className="pack-error" role="alert" data-testid="pack-import-error" data-code={error.code}>
          {error.message}
        </p>
      )}
    </div>
  );
}
