/**
 * Download (or resume) a pack from its manifest URL into storage. The manifest is fetched fresh;
 * each file is fetched relative to it with Range from the bytes already stored (fetchFile.ts).
 */
import { appError } from '../../rpc/errors';
import type { PackProgressCallback, StoredPack } from '../../rpc/packsApi';
import { fetchFile } from './fetchFile';
import { installPack, type InstallDeps } from './installPack';
import { parseManifest } from './packRecord';

export interface DownloadDeps extends InstallDeps {
  fetchFn: typeof fetch;
}

export async function fetchManifestText(fetchFn: typeof fetch, manifestUrl: string): Promise<string> {
  let res: Response;
  try {
    res = await fetchFn(manifestUrl, { cache: 'no-store' });
  } catch (e) {
    throw appError('download-failed', `The pack manifest at ${manifestUrl} could not be fetched (network error). Check the address and your connection.`, String(e));
  }
  if (!res.ok) throw appError('download-failed', `The pack manifest at ${manifestUrl} could not be fetched (HTTP ${res.status}). Check the address.`);
  return res.text();
}

export async function downloadPack(deps: DownloadDeps, manifestUrl: string, onProgress: PackProgressCallback): Promise<StoredPack> {
  const text = await fetchManifestText(deps.fetchFn, manifestUrl);
  const manifest = parseManifest(text, manifestUrl);
  return installPack(deps, manifest, text, { kind: 'url', manifestUrl }, (ref, writer, have, onBytes, onStart) =>
    fetchFile({ url: new URL(ref.file, manifestUrl).href, ref, writer, have, fetchFn: deps.fetchFn, onBytes, onStart }),
  onProgress);
}
