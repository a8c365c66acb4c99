import { describe, expect, it } from 'vitest';
import { videoFileName } from './fileName';

describe('videoFileName', () => {
  it('slugs the prompt and appends the seed', () => {
    expect(videoFileName('(masterpiece) A girl, smiling!', 42)).toBe('masterpiece-a-girl-smiling-seed42.mp4');
    expect(videoFileName('Café  déjà-vu', 7)).toBe('cafe-deja-vu-seed7.mp4');
  });
  it('uses a fallback for empty or symbol-only prompts', () => {
    expect(videoFileName('', 1)).toBe('musev-seed1.mp4');
    expect(videoFileName('A girl', 3, 'zip')).toBe('a-girl-seed3.zip');
    expect(videoFileName('（）!!', 1)).toBe('musev-seed1.mp4');
  });
  it('caps the length without a trailing dash', () => {
    const name = videoFileName('word '.repeat(40), 3);
    expect(name.length).toBeLessThanOrEqual(48 + '-seed3.mp4'.length);
    expect(name).not.toMatch(/--/);
    expect(name.endsWith('-seed3.mp4')).toBe(true);
  });
});
