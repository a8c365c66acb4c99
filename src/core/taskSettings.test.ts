import { describe, expect, it } from 'vitest';
import { NEGATIVE_PROMPT_PRESETS } from './negativePrompts';
import { parseTaskFile, type MuseVTask } from './taskFile';
import { baseName, commandLine, negativePromptKey, settingsToTaskYaml, taskToSettings, type ExportableSettings } from './taskSettings';

const one = (yaml: string): MuseVTask => {
  const { tasks, errors } = parseTaskFile(yaml);
  expect(errors).toEqual([]);
  return tasks[0];
};

describe('taskToSettings', () => {
  it('maps the task keys onto the settings (size by MuseV\'s rule from the image)', () => {
    const task = one(`- name: girl
  condition_images: ./data/images/girl.jpeg
  prompt: (eye blinks:{f}), smile
  f: 1.2
  width: 563
  height: 714
  img_length_ratio: 1.25
  video_negative_prompt: V3
  negative_prompt: V1
  motion_speed: 4.0
  w_ind_noise: 0.3
  img_weight: 0.01
  redraw_condition_image: true
`);
    expect(taskToSettings(task, { width: 1000, height: 750 })).toEqual({
      patch: {
        prompt: '(eye blinks:1.2), smile',
        negativePrompt: NEGATIVE_PROMPT_PRESETS.V3,
        firstFrameNegativePrompt: NEGATIVE_PROMPT_PRESETS.V1,
        motionSpeed: 4,
        wIndNoise: 0.3,
        imgWeight: 0.01,
        width: 640, // 563 · 1.25 = 703.75 → 640
        height: 832, // 714 · 1.25 = 892.5 → 832
        firstFrame: 'redraw',
      },
      imageName: 'girl.jpeg',
      referImageName: null,
      ipAdapterImageName: null,
      faceImageName: null,
      notes: [],
      unsupported: null,
    });
  });

  it('keys left out keep the current settings; the size then comes from the image', () => {
    const r = taskToSettings(one('- prompt: p\n  condition_images: C:\\\\pics\\\\me.png\n  img_length_ratio: 0.5\n'), { width: 1000, height: 750 });
    expect(r.patch).toEqual({ prompt: 'p', width: 448, height: 320 });
    expect(r.imageName).toBe('me.png');
  });

  it('no condition image: the first frame is generated; the size comes from the task alone', () => {
    const r = taskToSettings(one('- prompt: p\n  width: 512\n  height: 768\n'), null);
    expect(r.patch).toEqual({ prompt: 'p', width: 512, height: 768, firstFrame: 'generate' });
    expect(r.imageName).toBeNull();
    expect(taskToSettings(one('- prompt: p\n  width: 512\n'), null).patch).toEqual({ prompt: 'p', firstFrame: 'generate' });
  });

  it('says what the browser does differently, and refuses video2video', () => {
    const r = taskToSettings(
      one(`- prompt: p
  condition_images: [a.png, b.png]
  condition_images_index: [0, -1]
  refer_image: ref.png
  ipadapter_image: a.png
  face_image: face.png
  video_path: ./pose.mp4
`),
      { width: 64, height: 64 },
    );
    expect(r.imageName).toBe('a.png');
    expect([r.referImageName, r.ipAdapterImageName, r.faceImageName]).toEqual(['ref.png', null, 'face.png']);
    expect(r.notes).toEqual([
      'Only the first of the 2 condition_images is used (a.png).',
      'condition_images_index is not supported: the condition image is the first frame.',
    ]);
    expect(r.unsupported).toBe('video2video (video_path: pose.mp4) is not supported in the browser yet.');
  });

  it('baseName takes the file name of / and \\ paths', () => {
    expect(['./data/images/a.jpeg', 'a.png', 'C:\\x\\b.png', ' ./c.webp '].map(baseName)).toEqual(['a.jpeg', 'a.png', 'b.png', 'c.webp']);
  });
});

const SETTINGS: ExportableSettings = {
  prompt: '(masterpiece, best quality:1), a girl smiling, (eye blinks:1.8)',
  negativePrompt: NEGATIVE_PROMPT_PRESETS.V2,
  width: 256,
  height: 192,
  motionSpeed: 6.5,
  wIndNoise: 0.4,
  imgWeight: 0.002,
  firstFrame: 'image',
  frames: 12,
  contextFrames: 12,
  contextOverlap: 4,
  steps: 10,
  guidanceScale: 3.5,
  seed: 42,
  fps: 12,
};

/** Export, import, map: the task-level settings that come back. */
function roundTrip(s: ExportableSettings, imageName: string | null = 'face.png') {
  const { yaml } = settingsToTaskYaml(s, { imageName });
  const { tasks, errors } = parseTaskFile(yaml);
  expect(errors).toEqual([]);
  expect(tasks).toHaveLength(1);
  return { yaml, task: tasks[0], patch: taskToSettings(tasks[0], { width: 640, height: 480 }).patch };
}

const taskLevel = (s: ExportableSettings) => ({
  prompt: s.prompt, negativePrompt: s.negativePrompt, firstFrameNegativePrompt: s.firstFrameNegativePrompt ?? s.negativePrompt, width: s.width, height: s.height,
  motionSpeed: s.motionSpeed, wIndNoise: s.wIndNoise, imgWeight: s.imgWeight, firstFrame: s.firstFrame,
});

describe('settingsToTaskYaml', () => {
  it('writes a MuseV task with the preset key and the command-line options in a comment', () => {
    const { yaml, warnings } = settingsToTaskYaml(SETTINGS, { imageName: 'face.png' });
    expect(warnings).toEqual([]);
    expect(yaml).toBe(`# MuseV task file (configs/tasks format), written by MuseV Web.
# Run options that MuseV takes on the command line, not from the task:
#   python scripts/inference/text2video.py -test_data_path musev-task.yaml --time_size 12 --context_frames 12 --context_overlap 4 --video_num_inference_steps 10 --video_guidance_scale 3.5 --seed 42 --fps 12
- name: musev-web
  condition_images: ./face.png
  refer_image: \${.condition_images}
  ipadapter_image: \${.condition_images}
  face_image: \${.condition_images}
  prompt: (masterpiece, best quality:1), a girl smiling, (eye blinks:1.8)
  height: 192
  width: 256
  img_length_ratio: 1
  redraw_condition_image: false
  video_negative_prompt: V2
  negative_prompt: V2
  motion_speed: 6.5
  w_ind_noise: 0.4
  img_weight: 0.002
  video_path: null
`);
  });

  it('round trip: export then import gives the same settings', () => {
    expect(roundTrip(SETTINGS).patch).toEqual(taskLevel(SETTINGS));
    const redraw = { ...SETTINGS, firstFrame: 'redraw' as const, negativePrompt: '', prompt: 'a,b ,c' };
    expect(roundTrip(redraw).patch).toEqual(taskLevel(redraw));
    const custom = { ...SETTINGS, negativePrompt: 'ugly, blurry', prompt: 'cost: 5 ${HOME} yes' };
    const back = roundTrip(custom);
    expect(back.patch).toEqual(taskLevel(custom));
    expect(back.yaml).toContain("prompt: 'cost: 5 \\${{HOME}} yes'"); // OmegaConf escape, then doubled braces for MuseV's template
    const twoNegatives = { ...SETTINGS, firstFrameNegativePrompt: NEGATIVE_PROMPT_PRESETS.V5 };
    expect(roundTrip(twoNegatives).yaml).toContain('negative_prompt: V5');
    expect(roundTrip(twoNegatives).patch).toEqual(taskLevel(twoNegatives));
    const generate = { ...SETTINGS, firstFrame: 'generate' as const };
    expect(roundTrip(generate).patch).toEqual(taskLevel(generate));
  });

  it('warns where the file cannot say the settings exactly', () => {
    expect(settingsToTaskYaml({ ...SETTINGS, negativePrompt: 'ugly' }, { imageName: 'a.png' }).warnings).toEqual([
      expect.stringMatching(/not one of MuseV's presets/),
    ]);
    expect(settingsToTaskYaml({ ...SETTINGS, prompt: 'a|b' }, { imageName: 'a.png' }).warnings).toEqual([expect.stringMatching(/splits it there/)]);
    expect(settingsToTaskYaml(SETTINGS, { imageName: null }).warnings).toEqual([expect.stringMatching(/no condition image/)]);
    const braces = settingsToTaskYaml({ ...SETTINGS, prompt: 'a {b}' }, { imageName: 'a.png' });
    expect(braces.warnings).toEqual([expect.stringMatching(/written doubled/)]);
    expect(parseTaskFile(braces.yaml).tasks[0].prompt).toBe('a {b}');
  });

  it('negativePromptKey and commandLine', () => {
    expect(negativePromptKey(NEGATIVE_PROMPT_PRESETS.V4)).toBe('V4');
    expect(negativePromptKey('')).toBe('Empty');
    expect(negativePromptKey('blurry')).toBe('blurry');
    expect(commandLine({ ...SETTINGS, guidanceScaleEnd: null, fixConditionImages: true, nBatch: 2 }, 't.yaml')).toBe(
      'python scripts/inference/text2video.py -test_data_path t.yaml --time_size 12 --n_batch 2 --context_frames 12 --context_overlap 4 --video_num_inference_steps 10 --video_guidance_scale 3.5 --seed 42 --fps 12 --fix_condition_images',
    );
  });
});
