import { isQuotaError } from '../gallery/galleryStorage';

/**
 * A gallery storage problem in words. Quota: say so and what to do; the video on screen is not
 * touched by a failed save, so the user can still download it.
 */
export function storageMessage(e: unknown, what: string): string {
  if (isQuotaError(e)) {
    return `${what}: the browser's storage for this site is full. The video on screen is not lost: download it now, then delete older videos from the gallery to make room.`;
  }
  const text = e instanceof Error ? e.message : typeof e === 'object' && e !== null && 'message' in e ? String((e as { message: unknown }).message) : String(e);
  return `${what} (${text}). The video on screen is not lost: download it to keep it.`;
}
