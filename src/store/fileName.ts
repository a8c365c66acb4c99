/**
 * Download name from the prompt and seed: lowercase words joined by '-', at most 48 characters,
 * then the seed, then the extension. Example: ("(masterpiece) A girl, smiling!", 42) → "masterpiece-a-girl-smiling-seed42.mp4";
 * with extension 'gif' → "masterpiece-a-girl-smiling-seed42.gif".
 */
export function videoFileName(prompt: string, seed: number, extension = 'mp4'): string {
  const slug = prompt
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/, '');
  return `${slug || 'musev'}-seed${seed}.${extension}`;
}
