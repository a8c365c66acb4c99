/**
 * MuseV's negative prompt presets (`configs/model/negative_prompt.py`, dict Negative_Prompt_CFG;
 * spec §2.2). Task files and the CLI name them by key; V2 is the default for video and first frame.
 */
export const NEGATIVE_PROMPT_PRESETS = {
  Empty: '',
  V1: 'nsfw, lowres, bad anatomy, bad hands, text, error, missing fingers, extra digit, fewer digits, cropped, worst quality, low quality, normal quality, jpeg artifacts, signature, watermark, username, blurry, tail, watermarks',
  V2: 'badhandv4, ng_deepnegative_v1_75t, (((multiple heads))), (((bad body))), (((two people))), ((extra arms)), ((deformed body)), (((sexy))), paintings,(((two heads))), ((big head)),sketches, (worst quality:2), (low quality:2), (normal quality:2), lowres, ((monochrome)), ((grayscale)), skin spots, acnes, skin blemishes, age spot, glans, (((nsfw))), nipples, extra fingers, (extra legs), (long neck), mutated hands, (fused fingers), (too many fingers)',
  V3: 'badhandv4, ng_deepnegative_v1_75t, bad quality',
  V4: 'badhandv4,ng_deepnegative_v1_75t,EasyNegativeV2,bad_prompt_version2-neg,bad quality',
  V5: '(((multiple heads))), (((bad body))), (((two people))), ((extra arms)), ((deformed body)), (((sexy))), paintings,(((two heads))), ((big head)),sketches, (worst quality:2), (low quality:2), (normal quality:2), lowres, ((monochrome)), ((grayscale)), skin spots, acnes, skin blemishes, age spot, glans, (((nsfw))), nipples, extra fingers, (extra legs), (long neck), mutated hands, (fused fingers), (too many fingers)',
} as const;

export type NegativePromptPreset = keyof typeof NEGATIVE_PROMPT_PRESETS;
export const NEGATIVE_PROMPT_PRESET_NAMES = Object.keys(NEGATIVE_PROMPT_PRESETS) as NegativePromptPreset[];

export function isNegativePromptPreset(x: unknown): x is NegativePromptPreset {
  return typeof x === 'string' && Object.prototype.hasOwnProperty.call(NEGATIVE_PROMPT_PRESETS, x);
}

/** A preset's text, or the given text itself when it is not a preset name. */
export function resolveNegativePrompt(keyOrText: string): string {
  return isNegativePromptPreset(keyOrText) ? NEGATIVE_PROMPT_PRESETS[keyOrText] : keyOrText;
}
