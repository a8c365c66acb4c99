import { describe, expect, it } from 'vitest';
import { NEGATIVE_PROMPT_PRESETS } from '../core/negativePrompts';
import { isNegativePresetChoice, NEGATIVE_PRESET_CHOICES, negativePresetLabel, negativePresetOf, negativeTextFor } from './negativePreset';

describe('negative prompt preset ↔ text', () => {
  it("offers MuseV's keys and Custom", () => {
    expect(NEGATIVE_PRESET_CHOICES).toEqual(['Empty', 'V1', 'V2', 'V3', 'V4', 'V5', 'Custom']);
    expect(isNegativePresetChoice('V3')).toBe(true);
    expect(isNegativePresetChoice('V6')).toBe(false);
    expect(negativePresetLabel('V2')).toBe('V2 (MuseV default)');
  });

  it('a preset fills the text; the text tells the preset back', () => {
    for (const key of ['Empty', 'V1', 'V2', 'V3', 'V4', 'V5'] as const) {
      const text = negativeTextFor(key, 'anything');
      expect(text).toBe(NEGATIVE_PROMPT_PRESETS[key]);
      expect(negativePresetOf(text)).toBe(key);
    }
  });

  it('editing the text switches to Custom; Custom keeps the text', () => {
    expect(negativePresetOf(`${NEGATIVE_PROMPT_PRESETS.V3}, blurry`)).toBe('Custom');
    expect(negativePresetOf('blurry')).toBe('Custom');
    expect(negativeTextFor('Custom', 'blurry')).toBe('blurry');
    expect(negativePresetOf('')).toBe('Empty');
  });
});
