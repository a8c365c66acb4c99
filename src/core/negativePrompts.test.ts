import { describe, expect, it } from 'vitest';
import { NEGATIVE_PROMPT_PRESETS, isNegativePromptPreset, resolveNegativePrompt } from './negativePrompts';

describe('negative prompt presets', () => {
  it('V5 is V2 without its first two (textual-inversion) tokens (spec §2.2)', () => {
    expect(NEGATIVE_PROMPT_PRESETS.V2.startsWith('badhandv4, ng_deepnegative_v1_75t, ')).toBe(true);
    expect(NEGATIVE_PROMPT_PRESETS.V2.slice('badhandv4, ng_deepnegative_v1_75t, '.length)).toBe(NEGATIVE_PROMPT_PRESETS.V5);
  });
  it('resolves names and passes other text through', () => {
    expect(resolveNegativePrompt('V3')).toBe('badhandv4, ng_deepnegative_v1_75t, bad quality');
    expect(resolveNegativePrompt('Empty')).toBe('');
    expect(resolveNegativePrompt('ugly, blurry')).toBe('ugly, blurry');
    expect(isNegativePromptPreset('toString')).toBe(false);
  });
});
