import { describe, expect, it } from 'vitest';
import { DEFAULT_PACK_PATH, isCatalogPath, PACK_CATALOG } from './packCatalog';
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
    expect(packFeatures('musev', ['unet'])).toEqual({ family: 'musev', referenceImage: false, ipAdapterImage: false, firstFrameGeneration: false });
    expect(packFeatures('musev_referencenet', ['unet', 'unet_spatial', 'referencenet'])).toEqual({
      family: 'musev_referencenet', referenceImage: true, ipAdapterImage: true, firstFrameGeneration: true,
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

  it('explains why first-frame generation is off', () => {
    expect(firstFrameUnavailableReason(packFeatures('musev', ['unet']))).toBe('this model pack has no unet_spatial graph');
    expect(firstFrameUnavailableReason(packFeatures('musev', ['unet_spatial']))).toBeNull();
    expect(firstFrameUnavailableReason(null)).toMatch(/not read/);
  });
});
