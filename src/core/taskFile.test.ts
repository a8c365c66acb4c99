import { describe, expect, it } from 'vitest';
import { fissTask, mergeCommas, parseTaskFile } from './taskFile';

/** In the style of MuseV's configs/tasks/example.yaml (my own tasks). */
const EXAMPLE = `# text/image2video
- condition_images: ./data/images/girl.jpeg
  eye_blinks_factor: 1.8
  height: 714
  img_length_ratio: 1.25
  ipadapter_image: \${.condition_images}
  name: girl
  prompt: (masterpiece, best quality, highres:1),(1girl, solo:1),(beautiful face,
    soft skin:1),(eye blinks:{eye_blinks_factor}),(head wave:1.3)
  refer_image: \${.condition_images}
  video_path: null
  width: 563
- condition_images: ./data/images/sea.jpeg
  name: sea
  prompt: (masterpiece, best quality, highres:1), peaceful beautiful sea scene
  video_path: null
# video2video
- name: "dance"
  prompt: "(best quality), a girl is dancing"
  video_path:  ./data/source_video/pose.mp4
  condition_images: ./data/images/spark.png
  height: 960
  width: 512
  img_length_ratio: 1.0
  video_is_middle: True
`;

describe('parseTaskFile: an example-style file', () => {
  const { tasks, errors } = parseTaskFile(EXAMPLE);

  it('reads every task with its keys typed', () => {
    expect(errors).toEqual([]);
    expect(tasks.map((t) => t.name)).toEqual(['girl', 'sea', 'dance']);
    expect(tasks[0]).toMatchObject({
      condition_images: './data/images/girl.jpeg',
      refer_image: './data/images/girl.jpeg',
      ipadapter_image: './data/images/girl.jpeg',
      height: 714,
      width: 563,
      img_length_ratio: 1.25,
      video_path: null,
      extra: { eye_blinks_factor: 1.8 },
      line: 2,
      index: 0,
      variant: {},
    });
    expect(tasks[2]).toMatchObject({ video_path: './data/source_video/pose.mp4', video_is_middle: true, line: 18 });
  });

  it('fills {key} prompts from the task and normalises their commas; other prompts stay as written', () => {
    expect(tasks[0].prompt).toBe('(masterpiece, best quality, highres:1), (1girl, solo:1), (beautiful face, soft skin:1), (eye blinks:1.8), (head wave:1.3)');
    expect(tasks[1].prompt).toBe('(masterpiece, best quality, highres:1), peaceful beautiful sea scene');
  });

  it('keeps the line and column of each key', () => {
    expect(tasks[0].positions.condition_images).toEqual({ line: 2, column: 3 });
    expect(tasks[0].positions.prompt).toEqual({ line: 8, column: 3 });
    expect(tasks[2].positions.video_path).toEqual({ line: 20, column: 3 });
  });

  it('--target_datas selects by name before fission; an unknown name says which exist', () => {
    expect(parseTaskFile(EXAMPLE, { targetDatas: 'sea,dance' }).tasks.map((t) => t.name)).toEqual(['sea', 'dance']);
    expect(parseTaskFile(EXAMPLE, { targetDatas: 'all' }).tasks).toHaveLength(3);
    const none = parseTaskFile(EXAMPLE, { targetDatas: 'sky' });
    expect(none.tasks).toEqual([]);
    expect(none.errors[0]).toMatchObject({ key: 'name', line: 2 });
    expect(none.errors[0].message).toBe('No task is named "sky". The file\'s tasks are: girl, sea, dance. Choose one of them, or "all".');
  });
});

describe('fiss_tasks', () => {
  it('splits every string with | into the Cartesian product, first key slowest (itertools.product)', () => {
    const { tasks } = parseTaskFile('- name: t\n  prompt: p {a} {b}\n  a: 1|2\n  b: x|y|z\n  c: 3\n');
    expect(tasks.map((t) => t.prompt)).toEqual(['p 1 x', 'p 1 y', 'p 1 z', 'p 2 x', 'p 2 y', 'p 2 z']);
    expect(tasks.map((t) => t.variant)).toEqual([
      { a: '1', b: 'x' }, { a: '1', b: 'y' }, { a: '1', b: 'z' }, { a: '2', b: 'x' }, { a: '2', b: 'y' }, { a: '2', b: 'z' },
    ]);
    expect(tasks.every((t) => t.name === 't')).toBe(true);
    expect(tasks.map((t) => t.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(tasks[3].extra).toEqual({ a: '2', b: 'x', c: 3 });
  });

  it('splits after interpolation and also splits the prompt itself; numbers and flags become strings MuseV converts', () => {
    const { tasks, errors } = parseTaskFile('- name: t\n  prompt: a girl|a boy\n  motion_speed: 4|8\n  redraw_condition_image: True|False\n  condition_images: a.png\n');
    expect(errors).toEqual([]);
    expect(tasks.map((t) => [t.prompt, t.motion_speed, t.redraw_condition_image])).toEqual([
      ['a girl', 4, true], ['a girl', 4, false], ['a girl', 8, true], ['a girl', 8, false],
      ['a boy', 4, true], ['a boy', 4, false], ['a boy', 8, true], ['a boy', 8, false],
    ]);
  });

  it('leaves lists and tasks without | alone', () => {
    const entries = new Map([['l', { t: 'list' as const, items: [{ t: 'str' as const, v: 'a|b' }] }]]);
    expect(fissTask(entries)).toEqual([{ entries, variant: {} }]);
  });
});

describe('generate_prompts', () => {
  const prompt = (yaml: string) => parseTaskFile(yaml);

  it('prints values as Python does and merges runs of commas', () => {
    expect(prompt('- prompt: "x:{f},{i},{b},{n}"\n  f: 1.0\n  i: 2\n  b: true\n  n: null\n').tasks[0].prompt).toBe('x:1.0, 2, True, ');
    expect(prompt('- prompt: "{k} ,,  end"\n  k: a,b\n').tasks[0].prompt).toBe('a, b , end');
    expect(mergeCommas('1,2,,3, ,4 , 5')).toBe('1, 2, 3, 4 , 5');
  });

  it('uses MuseV\'s registered attributes (age, eyes, render) and keeps {{ }} literal', () => {
    expect(prompt('- prompt: "{age},{eyes},{render}"\n  age: 30\n  eyes: blue,big\n  render: HD\n').tasks[0].prompt).toBe(
      '30-year-old, blue eyes, big eyes, 8k, highly detailed',
    );
    expect(prompt('- prompt: "{{x}} {y}"\n  y: 1\n').tasks[0].prompt).toBe('{x} 1');
    const two = prompt('- prompt: "{render}"\n  render: HD,Epic\n').tasks;
    expect(two.map((t) => t.prompt)).toEqual(['8k, highly detailed', 'artstation, epic environment, highly detailed, 8k, HD']);
  });

  it('an empty prompt stays empty; a placeholder without its key is an error naming line and key', () => {
    expect(prompt('- prompt: ""\n').tasks[0].prompt).toBe('');
    const { tasks, errors } = prompt('- name: a\n  prompt: (eye blinks:{eye_blink})\n  eye_blinks_factor: 1.2\n');
    expect(tasks).toEqual([]);
    expect(errors).toEqual([
      {
        line: 2, column: 11, key: 'prompt', task: 'a',
        message: 'The prompt of task "a" (line 2) uses `{eye_blink}` but the task has no key `eye_blink`. Add a line `eye_blink: ...` to the task, or fix the placeholder\'s spelling.',
      },
    ]);
    expect(prompt('- prompt: "a {} b"\n').errors[0].message).toMatch(/has `\{` but no `\{key\}` placeholder/);
    expect(prompt('- prompt: "a {x:1.2} b"\n').errors[0].message).toMatch(/only plain `\{key\}` placeholders/);
    expect(prompt('- prompt: "a {x} }"\n  x: 1\n').errors[0].message).toMatch(/`}` without its `{`/);
  });
});

describe('errors are data with a line, a column and the key', () => {
  it('a key with the wrong type', () => {
    const { tasks, errors } = parseTaskFile('- name: a\n  prompt: p\n  height: tall\n- name: b\n  prompt: q\n');
    expect(tasks.map((t) => t.name)).toEqual(['b']);
    expect(errors).toEqual([
      { line: 3, column: 11, key: 'height', task: 'a', message: 'Task "a", line 3: `height` must be a number, e.g. `height: 768` — got `tall`.' },
    ]);
    const more = parseTaskFile('- prompt: p\n  redraw_condition_image: maybe\n  w_ind_noise: 2\n  condition_images: {a: 1}\n  condition_images_index: [0, x]\n');
    expect(more.errors.map((e) => [e.line, e.key])).toEqual([[2, 'redraw_condition_image'], [3, 'w_ind_noise'], [4, 'condition_images'], [5, 'condition_images_index']]);
    expect(more.errors[0].message).toMatch(/must be true or false — got `maybe`/);
    expect(more.errors[1].message).toMatch(/between 0 and 1/);
  });

  it('negative prompts: preset keys and text are accepted, an unknown preset name is an error', () => {
    const ok = parseTaskFile('- prompt: p\n  negative_prompt: V3\n  video_negative_prompt: ugly, blurry\n');
    expect(ok.tasks[0]).toMatchObject({ negative_prompt: 'V3', video_negative_prompt: 'ugly, blurry' });
    const bad = parseTaskFile('- name: a\n  prompt: p\n  video_negative_prompt: V7\n');
    expect(bad.errors[0]).toMatchObject({ line: 3, key: 'video_negative_prompt' });
    expect(bad.errors[0].message).toMatch(/no negative prompt preset named `V7`. Use one of Empty, V1, V2, V3, V4, V5/);
  });

  it('a task that is not a mapping, a missing prompt, a file that is not a list', () => {
    const { errors } = parseTaskFile('- just text\n- name: np\n  height: 3\n');
    expect(errors.map((e) => [e.line, e.column, e.key])).toEqual([[1, 3, null], [2, 3, 'prompt']]);
    expect(errors[0].message).toMatch(/not a set of keys/);
    expect(errors[1].message).toMatch(/has no prompt. Add a line `prompt: ...`/);
    expect(parseTaskFile('name: a\nprompt: p\n').errors[0].message).toMatch(/single task.*Put "- " before the first key/);
  });

  it('YAML syntax errors give the line from js-yaml', () => {
    const { tasks, errors } = parseTaskFile('- name: a\n  prompt: "unclosed\n- name: b\n');
    expect(tasks).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toMatch(/^YAML error on line \d+, column \d+/);
    expect(errors[0].line).toBeGreaterThanOrEqual(2);
  });

  it('an unresolvable interpolation drops only its task', () => {
    const { tasks, errors } = parseTaskFile('- name: a\n  prompt: p\n  refer_image: ${.nope}\n- name: b\n  prompt: q\n');
    expect(tasks.map((t) => t.name)).toEqual(['b']);
    expect(errors[0]).toMatchObject({ line: 3, key: 'refer_image', task: 'a' });
  });

  it('unnamed tasks take their index as MuseV does; custom keys stay in extra', () => {
    const { tasks } = parseTaskFile('- prompt: p\n  my_key: [1, 2]\n- prompt: q\n');
    expect(tasks.map((t) => t.name)).toEqual(['0', '1']);
    expect(tasks[0].extra).toEqual({ my_key: [1, 2] });
  });
});
