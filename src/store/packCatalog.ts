/**
 * The model packs the app offers:
 * - the bundled demo packs under public/packs (paths relative to the app's base URL, which
 *   AppDeps.manifestUrl resolves); the generator reads them over HTTP, or from OPFS once installed;
 * - the real MuseV families (fp16), at `<base URL><pack>/manifest.json`, where the base URL is a
 *   setting (default: a placeholder Hugging Face repository, see DEFAULT_PACK_BASE_URL);
 * - packs the user added by manifest URL, and installed packs (downloaded or imported) in OPFS.
 * An installed pack is chosen as `opfs:<packId>`.
 */
import type { StoredPack } from '../rpc/packsApi';

export interface CatalogPack {
  /** Manifest path relative to the app's base URL; also the persisted choice. */
  path: string;
  label: string;
}

export const PACK_CATALOG: readonly CatalogPack[] = [
  { path: 'packs/tiny-musev/manifest.json', label: 'Tiny demo · musev' },
  { path: 'packs/tiny-musev-referencenet/manifest.json', label: 'Tiny demo · ReferenceNet + IP-Adapter' },
];

/** The pack chosen until the user picks another. */
export const DEFAULT_PACK_PATH = PACK_CATALOG[0].path;

/** Where the real MuseV packs are looked for until the user sets another base URL (a placeholder repo). */
export const DEFAULT_PACK_BASE_URL = 'https://huggingface.co/musev-web/musev-web-packs-PLACEHOLDER/resolve/main/';

/** The MuseV families, exported fp16 (`models/export.sh`), one folder each under the base URL. */
export const FAMILY_PACKS: readonly { pack: string; label: string }[] = [
  { pack: 'musev-fp16', label: 'MuseV · musev (fp16)' },
  { pack: 'musev_referencenet-fp16', label: 'MuseV · musev_referencenet (fp16)' },
  { pack: 'musev_referencenet_pose-fp16', label: 'MuseV · musev_referencenet_pose (fp16)' },
];

const STORED = /^opfs:[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** "opfs:<packId>" → the id; null for anything else. */
export function storedPackIdOf(path: string): string | null {
  return STORED.test(path) && !path.includes('..') ? path.slice(5) : null;
}

/** A choice that may be persisted: a bundled pack path or an installed pack (`opfs:<id>`). */
export function isCatalogPath(x: unknown): x is string {
  return typeof x === 'string' && (PACK_CATALOG.some((p) => p.path === x) || storedPackIdOf(x) !== null);
}

/** Whether a catalog pack's manifest could be read (checked once at startup). */
export type PackAvailability = 'unknown' | 'installed' | 'missing';

/** An absolute http(s) URL (of a manifest or a base folder), or null. */
export function httpUrl(text: string): string | null {
  try {
    const u = new URL(text.trim());
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : null;
  } catch {
    return null;
  }
}

/** `<base>/<pack>/manifest.json` with exactly one slash after the base. */
export function familyManifestUrl(baseUrl: string, pack: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${pack}/manifest.json`;
}

/** One row of the pack manager. `manifestUrl` is null for packs only installed from files. */
export interface ManagerEntry {
  key: string;
  label: string;
  kind: 'bundled' | 'family' | 'custom' | 'installed';
  manifestUrl: string | null;
  /** The installed copy in OPFS, if any. */
  stored: StoredPack | null;
  /** Known before the manifest is read (the families are fp16). */
  dtypeHint?: 'float16' | 'float32';
}

/**
 * The pack manager's rows: bundled, families (from the base URL), custom URLs, then installed packs
 * that none of those matches (imported ones). An installed pack matches the row of its manifest URL.
 */
export function managerEntries(o: { bundledUrl(path: string): string; baseUrl: string; customUrls: readonly string[]; installed: readonly StoredPack[] }): ManagerEntry[] {
  const used = new Set<string>();
  const storedFor = (url: string) => {
    const s = o.installed.find((p) => p.origin.kind === 'url' && p.origin.manifestUrl === url) ?? null;
    if (s) used.add(s.id);
    return s;
  };
  const rows: ManagerEntry[] = [];
  const add = (kind: ManagerEntry['kind'], label: string, url: string, dtypeHint?: ManagerEntry['dtypeHint']) => {
    if (rows.some((r) => r.manifestUrl === url)) return;
    rows.push({ key: url, label, kind, manifestUrl: url, stored: storedFor(url), ...(dtypeHint ? { dtypeHint } : {}) });
  };
  for (const p of PACK_CATALOG) add('bundled', p.label, o.bundledUrl(p.path));
  for (const f of FAMILY_PACKS) add('family', f.label, familyManifestUrl(o.baseUrl, f.pack), 'float16');
  for (const url of o.customUrls) add('custom', url, url);
  for (const s of o.installed) {
    if (used.has(s.id)) continue;
    rows.push({ key: `opfs:${s.id}`, label: s.name, kind: 'installed', manifestUrl: s.origin.kind === 'url' ? s.origin.manifestUrl : null, stored: s });
  }
  return rows;
}
