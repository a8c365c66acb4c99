/**
 * Files of a drop or a folder picker, with their path relative to what was dropped/picked
 * ("tiny-musev/tokenizer/vocab.json"): dropped folders are walked with webkitGetAsEntry.
 */
export interface PathFile {
  path: string;
  file: File;
}

function readAll(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => {
    const out: FileSystemEntry[] = [];
    const next = () =>
      reader.readEntries((batch) => {
        if (batch.length === 0) resolve(out);
        else {
          out.push(...batch);
          next(); // readEntries returns at most 100 entries per call
        }
      }, reject);
    next();
  });
}

async function walk(entry: FileSystemEntry, out: PathFile[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    out.push({ path: entry.fullPath.replace(/^\/+/, ''), file });
  } else if (entry.isDirectory) {
    for (const child of await readAll((entry as FileSystemDirectoryEntry).createReader())) await walk(child, out);
  }
}

/** Everything dropped, folders included (entries must be taken synchronously, before any await). */
export async function filesFromDrop(data: DataTransfer): Promise<PathFile[]> {
  const entries = Array.from(data.items ?? [])
    .filter((i) => i.kind === 'file')
    .map((i) => i.webkitGetAsEntry?.() ?? null);
  if (entries.length === 0 || entries.some((e) => e === null)) return Array.from(data.files).map((file) => ({ path: file.name, file }));
  const out: PathFile[] = [];
  for (const e of entries) await walk(e!, out);
  return out;
}

/** Files from an <input type="file"> (webkitRelativePath is set for a picked folder). */
export function filesFromInput(list: FileList | null): PathFile[] {
  return Array.from(list ?? []).map((file) => ({ path: file.webkitRelativePath || file.name, file }));
}
