import { normalizeWorkerError } from '../clients/normalizeError';
import type { AppDeps, GetState, SetState } from './appStore';
import { packMaxEdge } from './backend';
import { validateImageFile, type LoadedImage } from './image';
import { BUILTIN_DEFAULTS } from './settings';
import { defaultSizeForImage } from './size';

/**
 * The images a generation can use: the condition (first-frame) image, and for referencenet packs
 * the ReferenceNet image and the IP-Adapter image, for FaceID packs the face image (null = "same as
 * the first frame", spec §0 step 3).
 */
export type ImageSlot = 'image' | 'referImage' | 'ipAdapterImage' | 'faceImage';
export const IMAGE_SLOTS: readonly ImageSlot[] = ['image', 'referImage', 'ipAdapterImage', 'faceImage'];

const LOADING = { image: 'imageLoading', referImage: 'referImageLoading', ipAdapterImage: 'ipAdapterImageLoading', faceImage: 'faceImageLoading' } as const;
export const loadingKey = (slot: ImageSlot) => LOADING[slot];

export interface ImageSlice {
  image: LoadedImage | null;
  referImage: LoadedImage | null;
  ipAdapterImage: LoadedImage | null;
  faceImage: LoadedImage | null;
  imageLoading: boolean;
  referImageLoading: boolean;
  ipAdapterImageLoading: boolean;
  faceImageLoading: boolean;
  /**
   * Validate + decode a dropped/pasted/picked file into a slot (default: the condition image).
   * On success it replaces that slot's image; the condition image also sets width/height from its
   * size. On failure the previous image stays and the error banner explains.
   */
  setImageFile(file: File, slot?: ImageSlot): Promise<boolean>;
  /** Empty a slot (the extra slots go back to "same as first frame"). */
  clearImage(slot?: ImageSlot): void;
}

export function createImageSlice(set: SetState, get: GetState, deps: AppDeps): ImageSlice {
  const tokens: Record<ImageSlot, number> = { image: 0, referImage: 0, ipAdapterImage: 0, faceImage: 0 };
  return {
    image: null,
    referImage: null,
    ipAdapterImage: null,
    faceImage: null,
    imageLoading: false,
    referImageLoading: false,
    ipAdapterImageLoading: false,
    faceImageLoading: false,
    async setImageFile(file, slot = 'image') {
      const mine = ++tokens[slot];
      const invalid = validateImageFile(file);
      if (invalid) {
        set({ error: invalid, [LOADING[slot]]: false });
        return false;
      }
      set({ [LOADING[slot]]: true });
      let decoded;
      try {
        decoded = await deps.decodeImage(file);
      } catch (e) {
        if (mine === tokens[slot]) set({ [LOADING[slot]]: false, error: normalizeWorkerError(e, 'bad-image') });
        return false;
      }
      if (mine !== tokens[slot]) return false; // a newer file won
      const previous = get()[slot];
      const url = deps.createObjectURL(file);
      const image: LoadedImage = { name: file.name, type: file.type, bytes: file.size, url, ...decoded };
      set((s) => ({
        [slot]: image,
        [LOADING[slot]]: false,
        ...(slot === 'image'
          ? { settings: { ...s.settings, ...defaultSizeForImage(image.width, image.height, packMaxEdge(s.pack?.defaults ?? BUILTIN_DEFAULTS)) } }
          : {}),
        error: s.error?.code === 'bad-image' ? null : s.error,
      }));
      if (previous) deps.revokeObjectURL(previous.url);
      return true;
    },
    clearImage(slot = 'image') {
      tokens[slot]++;
      const previous = get()[slot];
      set({ [slot]: null, [LOADING[slot]]: false });
      if (previous) deps.revokeObjectURL(previous.url);
    },
  };
}
