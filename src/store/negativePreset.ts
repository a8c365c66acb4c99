import { NEGATIVE_PROMPT_PRESETS, NEGATIVE_PROMPT_PRESET_NAMES, type NegativePromptPreset } from '../core/negativePrompts';

/**
 * The negative prompt's preset select (spec §2.2): MuseV's keys Empty, V1..V5, and Custom. The
 * choice is not stored: it is read off the text, so editing the text turns it into Custom and
 * typing a preset's exact text turns it back.
 */
export type NegativePresetChoice = NegativePromptPreset | 'Custom';

export const NEGATIVE_PRESET_CHOICES: readonly NegativePresetChoice[] = [...NEGATIVE_PROMPT_PRESET_NAMES, 'Custom'];

export function isNegativePresetChoice(x: unknown): x is NegativePresetChoice {
  return typeof x === 'string' && (NEGATIVE_PRESET_CHOICES as readonly string[]).includes(x);
}

/** Which preset the text is, or 'Custom'. */
export function negativePresetOf(text: string): NegativePresetChoice {
  return NEGATIVE_PROMPT_PRESET_NAMES.find((k) => NEGATIVE_PROMPT_PRESETS[k] === text) ?? 'Custom';
}

/** The text a preset fills the box with; Custom keeps the current text. */
export function negativeTextFor(choice: NegativePresetChoice, current: string): string {
  return choice === 'Custom' ? current : NEGATIVE_PROMPT_PRESETS[choice];
}

/** Words for the select: "V2 (MuseV default)", "Empty (none)". */
export function negativePresetLabel(choice: NegativePresetChoice): string {
  if (choice === 'V2') return 'V2 (MuseV default)';
  if (choice === 'Empty') return 'Empty (none)';
  if (choice === 'Custom') return 'Custom (your text)';
  return choice;
}
