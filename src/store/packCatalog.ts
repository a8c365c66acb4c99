/**
 * The model packs the app offers: the ones bundled under public/packs. A later issue brings a real
 * catalog (download, OPFS cache); until then this list is the whole catalog.
 * Paths are relative to the app's base URL (AppDeps.manifestUrl resolves them).
 */
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

export function isCatalogPath(x: unknown): x is string {
  return typeof x === 'string' && PACK_CATALOG.some((p) => p.path === x);
}

/** Whether a catalog pack's manifest could be read (checked once at startup). */
export type PackAvailability = 'unknown' | 'installed' | 'missing';
