import { normalizeWorkerError } from '../clients/normalizeError';
import type { AppDeps, GetState, SetState } from './appStore';
import { packMaxEdge } from './backend';
import { validateImageFile, type LoadedImage } from './image';
import { BUILTIN_DEFAULTS } from './settings';
import { defaultSizeForImage } from './size';

export interface ImageSlice {
  image: LoadedImage | null;
  imageLoading: boolean;
  /**
   * Validate + decode a dropped/pasted/picked file. On success it replaces the image and sets
   * width/height from it; on failure the previous image stays and the error banner explains.
   */
  setImageFile(file: File): Promise<boolean>;
  clearImage(): void;
}

export function createImageSlice(set: SetState, get: GetState, deps: AppDeps): ImageSlice {
  let token = 0;
  return {
    image: null,
    imageLoading: false,
    async setImageFile(file) {
      const mine = ++token;
      const invalid = validateImageFile(file);
      if (invalid) {
        set({ error: invalid, imageLoading: false });
        return false;
      }
      set({ imageLoading: true });
      let decoded;
      try {
        decoded = await deps.decodeImage(file);
      } catch (e) {
        if (mine === token) set({ imageLoading: false, error: normalizeWorkerError(e, 'bad-image') });
        return false;
      }
      if (mine !== token) return false; // a newer file won
      const previous = get().image;
      const url = deps.createObjectURL(file);
      const image: LoadedImage = { name: file.name, type: file.type, bytes: file.size, url, ...decoded };
      const size = defaultSizeForImage(image.width, image.height, packMaxEdge(get().pack?.defaults ?? BUILTIN_DEFAULTS));
      set((s) => ({
        image,
        imageLoading: false,
        settings: { ...s.settings, ...size },
        error: s.error?.code === 'bad-image' ? null : s.error,
      }));
      if (previous) deps.revokeObjectURL(previous.url);
      return true;
    },
    clearImage() {
      token++;
      const previous = get().image;
      set({ image: null, imageLoading: false });
      if (previous) deps.revokeObjectURL(previous.url);
    },
  };
}
