/**
 * MuseV task ↔ the app's settings (field names as in src/rpc/generatorApi.ts GenerateRequest).
 *
 * Task → settings (what `scripts/inference/text2video.py` does with each task key; every key left
 * out keeps the current setting, the way MuseV falls back to its command-line value):
 *
 *   prompt                      → prompt (already filled from {key} placeholders)
 *   video_negative_prompt       → negativePrompt (preset key resolved to its text)
 *   negative_prompt             → firstFrameNegativePrompt (the first-frame pipeline's, spec §2.4)
 *   motion_speed / w_ind_noise / img_weight → motionSpeed / wIndNoise / imgWeight
 *   height, width, img_length_ratio → height, width = targetSize(image, {width, height, ratio})
 *                                 (src/core/size.ts: each side floored to a multiple of 64)
 *   redraw_condition_image      → firstFrame 'redraw' (true) / 'image' (false)
 *   no condition_images         → firstFrame 'generate' (MuseV makes the first frame from the text)
 *   refer_image, ipadapter_image, face_image → referImageName / ipAdapterImageName / faceImageName
 *                               when not the condition image (face_image: IP-Adapter FaceID packs)
 *   video_path                  → unsupported (video2video)
 *
 * Worked example: image 1000×750, task {width: 563, height: 714, img_length_ratio: 1.25}
 *   → 563·1.25 = 703.75 → 640, 714·1.25 = 892.5 → 832 → width 640, height 832.
 *
 * Settings → task: one task with those keys (a preset key when the negative prompt text is a
 * preset's), and the run options MuseV takes on its command line in a comment above it
 * (ip_adapter_scale and ip_adapter_face_scale are command-line options: MuseV reads neither from a task).
 */
import { dump } from 'js-yaml';
import { NEGATIVE_PROMPT_PRESET_NAMES, NEGATIVE_PROMPT_PRESETS, resolveNegativePrompt } from './negativePrompts';
import { targetSize } from './size';
import type { MuseVTask } from './taskFile';

export type FirstFrame = 'image' | 'generate' | 'redraw';

/** The settings a task sets. */
export interface TaskSettingsPatch {
  prompt?: string;
  negativePrompt?: string;
  /** GenerateRequest.firstFrameNegativePrompt (MuseV's `negative_prompt`). */
  firstFrameNegativePrompt?: string;
  motionSpeed?: number;
  wIndNoise?: number;
  imgWeight?: number;
  width?: number;
  height?: number;
  firstFrame?: FirstFrame;
}

export interface TaskSettings {
  patch: TaskSettingsPatch;
  /** File name of the task's condition image (basename of its first path); null = none. */
  imageName: string | null;
  /** refer_image / ipadapter_image file names when they differ from the condition image (null = same, or none). */
  referImageName: string | null;
  ipAdapterImageName: string | null;
  faceImageName: string | null;
  /** Where this app does something else than MuseV would for this task, in words. */
  notes: string[];
  /** Why the task cannot run in the browser at all; null = it can. */
  unsupported: string | null;
}

/** The file name of a task path: `./data/images/face.png` → `face.png` (also `\` separators). */
export function baseName(path: string): string {
  const parts = path.trim().split(/[\\/]/);
  return parts[parts.length - 1] ?? '';
}

const first = (p: string | string[] | null): string | null => (p === null ? null : Array.isArray(p) ? (p[0] ?? null) : p);

/**
 * The settings patch for a task. `image` is the decoded condition image's size (null when not
 * known yet: the size then comes from the task's own width/height, if both are given).
 */
export function taskToSettings(task: MuseVTask, image: { width: number; height: number } | null): TaskSettings {
  const patch: TaskSettingsPatch = { prompt: task.prompt };
  const notes: string[] = [];
  const condition = first(task.condition_images);
  const imageName = condition === null ? null : baseName(condition);

  if (task.video_negative_prompt !== null) patch.negativePrompt = resolveNegativePrompt(task.video_negative_prompt);
  if (task.negative_prompt !== null) patch.firstFrameNegativePrompt = resolveNegativePrompt(task.negative_prompt);
  if (task.motion_speed !== null) patch.motionSpeed = task.motion_speed;
  if (task.w_ind_noise !== null) patch.wIndNoise = task.w_ind_noise;
  if (task.img_weight !== null) patch.imgWeight = task.img_weight;

  const ratio = task.img_length_ratio ?? undefined;
  const size = image
    ? targetSize(image.width, image.height, { width: task.width ?? undefined, height: task.height ?? undefined, ratio })
    : task.width !== null && task.height !== null
      ? targetSize(task.width, task.height, { ratio })
      : null;
  if (size) Object.assign(patch, { width: size.width, height: size.height });

  if (condition === null) patch.firstFrame = 'generate';
  else if (task.redraw_condition_image !== null) patch.firstFrame = task.redraw_condition_image ? 'redraw' : 'image';

  if (Array.isArray(task.condition_images) && task.condition_images.length > 1) {
    notes.push(`Only the first of the ${task.condition_images.length} condition_images is used (${imageName}).`);
  }
  if (task.condition_images_index !== null) notes.push('condition_images_index is not supported: the condition image is the first frame.');
  const other = (path: string | null) => (path === null || baseName(path) === imageName ? null : baseName(path));

  const unsupported =
    task.video_path !== null
      ? `video2video (video_path: ${baseName(task.video_path)}) is not supported in the browser yet.`
      : null;
  return {
    patch,
    imageName,
    referImageName: other(first(task.refer_image)),
    ipAdapterImageName: other(first(task.ipadapter_image)),
    faceImageName: other(task.face_image),
    notes,
    unsupported,
  };
}

// ---------------------------------------------------------------------------------------------
// Settings → task file

/** What the export reads: the task-level settings, plus run options for the command line comment. */
export interface ExportableSettings extends Required<Omit<TaskSettingsPatch, 'firstFrame' | 'firstFrameNegativePrompt'>> {
  firstFrame?: FirstFrame;
  /** null or left out = negativePrompt (as the worker does). */
  firstFrameNegativePrompt?: string | null;
  frames?: number;
  contextFrames?: number;
  contextOverlap?: number;
  contextSchedule?: string;
  steps?: number;
  guidanceScale?: number;
  guidanceScaleEnd?: number | null;
  guidanceMethod?: string;
  noiseType?: string;
  nBatch?: number;
  seed?: number;
  fps?: number;
  firstFrameSteps?: number;
  firstFrameGuidanceScale?: number;
  ipAdapterScale?: number;
  ipAdapterFaceScale?: number;
  fixConditionImages?: boolean;
}

export interface TaskExport {
  yaml: string;
  /** Things the file cannot say exactly, in words. */
  warnings: string[];
}

/** The preset key whose text this is, or the text itself. */
export function negativePromptKey(text: string): string {
  return NEGATIVE_PROMPT_PRESET_NAMES.find((k) => NEGATIVE_PROMPT_PRESETS[k] === text) ?? text;
}

const CLI_OPTIONS: [keyof ExportableSettings, string][] = [
  ['frames', 'time_size'], ['nBatch', 'n_batch'], ['contextFrames', 'context_frames'], ['contextOverlap', 'context_overlap'],
  ['contextSchedule', 'context_schedule'], ['steps', 'video_num_inference_steps'], ['guidanceScale', 'video_guidance_scale'],
  ['guidanceScaleEnd', 'video_guidance_scale_end'], ['guidanceMethod', 'video_guidance_scale_method'], ['noiseType', 'noise_type'],
  ['firstFrameSteps', 'num_inference_steps'], ['firstFrameGuidanceScale', 'guidance_scale'], ['ipAdapterScale', 'ip_adapter_scale'],
  ['ipAdapterFaceScale', 'ip_adapter_face_scale'],
  ['seed', 'seed'], ['fps', 'fps'],
];

/** The `text2video.py` options for the run settings a task file cannot hold. */
export function commandLine(s: ExportableSettings, fileName: string): string {
  const args = [`-test_data_path ${fileName}`];
  for (const [key, option] of CLI_OPTIONS) {
    const v = s[key];
    if (v !== undefined && v !== null) args.push(`--${option} ${v}`);
  }
  if (s.fixConditionImages) args.push('--fix_condition_images');
  return `python scripts/inference/text2video.py ${args.join(' ')}`;
}

/**
 * One MuseV task holding these settings. `imageName` is the condition image's file name (written as
 * `./name`); without one (or with firstFrame 'generate') the task has no condition image.
 * Importing the file again gives the same task-level settings (see the round-trip test).
 */
export function settingsToTaskYaml(s: ExportableSettings, opts: { name?: string; imageName?: string | null; fileName?: string } = {}): TaskExport {
  const warnings: string[] = [];
  let prompt = s.prompt.replace(/\$\{/g, '\\${');
  if (/[{}]/.test(prompt)) {
    prompt = prompt.replace(/\{/g, '{{').replace(/\}/g, '}}');
    if (!/\{.+\}/.test(prompt)) warnings.push('The prompt has a brace MuseV cannot keep as text (it reads `{` as a template); remove it.');
    else warnings.push('The prompt has braces: they are written doubled ({{ }}) so MuseV keeps them as text, and MuseV then writes every comma as ", ".');
  }
  if (prompt.includes('|')) warnings.push('The prompt has "|": MuseV splits it there into one task per part.');

  const task: Record<string, unknown> = { name: opts.name ?? 'musev-web' };
  const withImage = opts.imageName && s.firstFrame !== 'generate';
  if (withImage) {
    task.condition_images = `./${opts.imageName}`;
    task.refer_image = '${.condition_images}';
    task.ipadapter_image = '${.condition_images}';
    task.face_image = '${.condition_images}';
  }
  task.prompt = prompt;
  task.height = s.height;
  task.width = s.width;
  task.img_length_ratio = 1.0;
  if (withImage) task.redraw_condition_image = s.firstFrame === 'redraw';
  else if (s.firstFrame !== 'generate') warnings.push('There is no condition image, so MuseV will generate the first frame from the prompt.');
  const negative = negativePromptKey(s.negativePrompt);
  const firstNegative = negativePromptKey(s.firstFrameNegativePrompt ?? s.negativePrompt);
  task.video_negative_prompt = negative;
  task.negative_prompt = firstNegative;
  task.motion_speed = s.motionSpeed;
  task.w_ind_noise = s.wIndNoise;
  task.img_weight = s.imgWeight;
  task.video_path = null;
  if (negative === s.negativePrompt || firstNegative === (s.firstFrameNegativePrompt ?? s.negativePrompt)) {
    warnings.push('The negative prompt is not one of MuseV\'s presets, so it is written as text. MuseV itself only takes preset names: add the text to configs/model/negative_prompt.py under a name and write that name.');
  }

  const fileName = opts.fileName ?? 'musev-task.yaml';
  const header = [
    '# MuseV task file (configs/tasks format), written by MuseV Web.',
    '# Run options that MuseV takes on the command line, not from the task:',
    `#   ${commandLine(s, fileName)}`,
  ];
  return { yaml: `${header.join('\n')}\n${dump([task], { lineWidth: -1 })}`, warnings };
}
