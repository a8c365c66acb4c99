import { describe, expect, it } from 'vitest';
import type { StoredPack } from '../rpc/packsApi';
import { DEFAULT_PACK_BASE_URL, DEFAULT_PACK_PATH, familyManifestUrl, httpUrl, isCatalogPath, managerEntries, PACK_CATALOG, storedPackIdOf } from './packCatalog';
import { describeFeatures, featuresOfManifest, firstFrameUnavailableReason, packFeatures } from './packFeatures';

describe('pack catalog', () => {
  it('lists the two bundled demo packs, musev first', () => {
    expect(PACK_CATALOG).toEqual([
      { path: 'packs/tiny-musev/manifest.json', label: 'Tiny demo · musev' },
      { path: 'packs/tiny-musev-referencenet/manifest.json', label: 'Tiny demo · ReferenceNet + IP-Adapter' },
    ]);
    expect(DEFAULT_PACK_PATH).toBe('packs/tiny-musev/manifest.json');
    expect(isCatalogPath('packs/tiny-musev-referencenet/manifest.json')).toBe(true);
    expect(isCatalogPath('https://evil.example/manifest.json')).toBe(false);
  });
});

describe('packFeatures', () => {
  it('referencenet families take reference and IP-Adapter images; unet_spatial enables the first frame', () => {
    expect(packFeatures('musev', ['unet'])).toEqual({ family: 'musev', referenceImage: false, ipAdapterImage: false, firstFrameGeneration: false, faceImage: false });
    expect(packFeatures('musev_referencenet', ['unet', 'unet_spatial', 'referencenet'])).toEqual({
      family: 'musev_referencenet', referenceImage: true, ipAdapterImage: true, firstFrameGeneration: true, faceImage: false,
    });
    expect(packFeatures('musev_referencenet_pose', []).referenceImage).toBe(true);
  });

  it('reads a raw manifest, and says what a pack supports in words', () => {
    const f = featuresOfManifest({ family: 'musev_referencenet', graphs: { unet: {}, referencenet: {}, image_proj: {}, clip_vision: {} } });
    expect(f).toMatchObject({ referenceImage: true, firstFrameGeneration: false });
    expect(describeFeatures(f!)).toBe('reference image (ReferenceNet), IP-Adapter image');
    expect(featuresOfManifest({ graphs: {} })).toBeNull();
    expect(featuresOfManifest(null)).toBeNull();
    expect(describeFeatures(packFeatures('musev', []))).toBe('');
  });

  it('IP-Adapter FaceID (any family) takes a face image when all three face graphs are there', () => {
    expect(packFeatures('musev', ['unet', 'face_detector', 'face_embedder', 'face_proj']).faceImage).toBe(true);
    expect(packFeatures('musev_referencenet', ['face_detector', 'face_embedder']).faceImage).toBe(false);
    expect(describeFeatures(packFeatures('musev', ['face_detector', 'face_embedder', 'face_proj']))).toBe('face image (IP-Adapter FaceID)');
  });

  it('explains why first-frame generation is off', () => {
    expect(firstFrameUnavailableReason(packFeatures('musev', ['unet']))).toBe('this model pack has no unet_spatial graph');
    expect(firstFrameUnavailableReason(packFeatures('musev', ['unet_spatial']))).toBeNull();
    expect(firstFrameUnavailableReason(null)).toMatch(/not read/);
  });
});

describe('pack manager catalog', () => {
  const stored = (id: string, origin: StoredPack['origin']): StoredPack => ({
    id, name: id.toUpperCase(), family: 'musev', dtype: 'float32', totalBytes: 1, gpuFeatures: [], gpuMemoryBytes: 1,
    origin, status: 'ready', storedBytes: 1, fileCount: 1, verifiedFiles: 1,
  });

  it('accepts installed-pack choices (opfs:<id>) but no other URL or unsafe id', () => {
    expect(isCatalogPath('opfs:tiny-musev')).toBe(true);
    expect(storedPackIdOf('opfs:tiny-musev')).toBe('tiny-musev');
    expect(isCatalogPath('opfs:../x')).toBe(false);
    expect(isCatalogPath('opfs:')).toBe(false);
  });

  it('lists bundled packs, the three fp16 families under the base URL, custom URLs, then imported packs', () => {
    const rows = managerEntries({
      bundledUrl: (p) => `http://app/${p}`,
      baseUrl: 'https://models.example/repo/resolve/main',
      customUrls: ['http://127.0.0.1:9/tiny-musev/manifest.json'],
      installed: [stored('tiny-musev', { kind: 'url', manifestUrl: 'http://127.0.0.1:9/tiny-musev/manifest.json' }), stored('mine', { kind: 'import' })],
    });
    expect(rows.map((r) => [r.kind, r.manifestUrl, r.stored?.id ?? null])).toEqual([
      ['bundled', 'http://app/packs/tiny-musev/manifest.json', null],
      ['bundled', 'http://app/packs/tiny-musev-referencenet/manifest.json', null],
      ['family', 'https://models.example/repo/resolve/main/musev-fp16/manifest.json', null],
      ['family', 'https://models.example/repo/resolve/main/musev_referencenet-fp16/manifest.json', null],
      ['family', 'https://models.example/repo/resolve/main/musev_referencenet_pose-fp16/manifest.json', null],
      ['custom', 'http://127.0.0.1:9/tiny-musev/manifest.json', 'tiny-musev'],
      ['installed', null, 'mine'],
    ]);
    expect(rows[2].dtypeHint).toBe('float16');
    expect(familyManifestUrl(DEFAULT_PACK_BASE_URL, 'musev-fp16')).toMatch(/^https:\/\/huggingface\.co\/.+\/resolve\/main\/musev-fp16\/manifest\.json$/);
  });

  it('only absolute http(s) URLs are accepted', () => {
    expect(httpUrl(' https://x.example/a/manifest.json ')).toBe('https://x.example/a/manifest.json');
    expect(httpUrl('javascript:alert(1)')).toBeNull();
    expect(httpUrl('packs/x')).toBeNull();
  });
});
