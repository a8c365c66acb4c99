/**
 * MuseV task files (spec §7, `configs/tasks/example.yaml`): the YAML list of task dicts that
 * `scripts/inference/text2video.py -test_data_path` reads, processed in MuseV's order:
 *
 *   1. OmegaConf load with interpolation resolved (src/core/taskYaml.ts)
 *   2. `--target_datas`: keep tasks whose `name` is listed (comma-separated) or all ('all')
 *   3. `fiss_tasks` (MMCM task_util): every string value containing '|' splits into variants; the
 *      tasks are the Cartesian product over those keys in the task's key order, the first key
 *      varying slowest (itertools.product)
 *   4. `generate_prompts` (musev/auto_prompt): a prompt containing '{' (or an empty one) is a
 *      template: each `{key}` is filled from the task's own key (the value as Python's str(),
 *      split on ',' and re-joined with ', '; registered attributes add words: `age` → "30-year-old",
 *      `eyes: blue` → "blue eyes", `render: HD` → its preset), then runs of ", " are merged
 *   5. each task's keys read with the types MuseV uses them with (numbers may be numeric strings,
 *      as after a fission: MuseV calls float() on them)
 *
 * Worked example:
 *   - name: demo                         → 2 tasks, both named "demo":
 *     prompt: (eye blinks:{blink}),smile     prompt "(eye blinks:1.2), smile", variant {blink: "1.2"}
 *     blink: 1.2|1.8                         prompt "(eye blinks:1.8), smile", variant {blink: "1.8"}
 *
 * Errors are data: 1-based line and column, the key, and a message that says what to fix.
 */
import { isNegativePromptPreset, NEGATIVE_PROMPT_PRESET_NAMES } from './negativePrompts';
import { loadTaskYaml, pyStr, Resolver, TaskYamlError, toJs, type CMap, type Pos, type Val } from './taskYaml';

export type { Pos } from './taskYaml';

export interface TaskFileError {
  line: number;
  column: number;
  /** The task key concerned, when there is one. */
  key: string | null;
  /** The task's name (or "task N"), when the error belongs to a task. */
  task: string | null;
  message: string;
  /** js-yaml's source excerpt for syntax errors. */
  snippet?: string | null;
}

/** One task after fission and prompt generation. null = not given (MuseV's CLI value applies). */
export interface MuseVTask {
  /** Task id; MuseV falls back to the task's index in the expanded list. Fission variants share it. */
  name: string;
  prompt: string;
  condition_images: string | string[] | null;
  condition_images_index: number[] | null;
  redraw_condition_image: boolean | null;
  refer_image: string | string[] | null;
  ipadapter_image: string | string[] | null;
  face_image: string | null;
  height: number | null;
  width: number | null;
  img_length_ratio: number | null;
  video_path: string | null;
  video_is_middle: boolean | null;
  video_has_condition: boolean | null;
  /** First-frame negative prompt: a preset key (Empty, V1..V5) or the text itself. */
  negative_prompt: string | null;
  /** Video negative prompt: a preset key or the text itself. */
  video_negative_prompt: string | null;
  motion_speed: number | null;
  w_ind_noise: number | null;
  img_weight: number | null;
  sex: string | null;
  style: string | null;
  template_name: string | null;
  /** Every other key (prompt fillers such as eye_blinks_factor), as plain values. */
  extra: Record<string, unknown>;
  /** Where the task starts (its first key). */
  line: number;
  /** Where each key of the task is written. */
  positions: Record<string, Pos>;
  /** The value each fissioned key took in this variant (empty when the task did not split). */
  variant: Record<string, string>;
  /** 0-based position in the expanded task list. */
  index: number;
}

export interface ParsedTaskFile {
  tasks: MuseVTask[];
  errors: TaskFileError[];
}

export interface ParseTaskFileOptions {
  /** MuseV's `--target_datas`: 'all' (default) or comma-separated task names. */
  targetDatas?: string;
}

type Kind = 'name' | 'text' | 'optText' | 'paths' | 'path' | 'ints' | 'bool' | 'posNum' | 'unit' | 'num' | 'negative';

/** The keys of spec §7 and how MuseV uses each. */
export const TASK_KEYS = {
  name: 'name', prompt: 'text', condition_images: 'paths', condition_images_index: 'ints',
  redraw_condition_image: 'bool', refer_image: 'paths', ipadapter_image: 'paths', face_image: 'path',
  height: 'posNum', width: 'posNum', img_length_ratio: 'posNum', video_path: 'path', video_is_middle: 'bool',
  video_has_condition: 'bool', negative_prompt: 'negative', video_negative_prompt: 'negative',
  motion_speed: 'num', w_ind_noise: 'unit', img_weight: 'unit', sex: 'optText', style: 'optText', template_name: 'optText',
} as const satisfies Record<string, Kind>;
type TaskKey = keyof typeof TASK_KEYS;

const isTaskKey = (k: string): k is TaskKey => Object.prototype.hasOwnProperty.call(TASK_KEYS, k);

// ---------------------------------------------------------------------------------------------
// Reading one value

/** Python float() of a string: digits with optional '_', one dot, exponent; spaces around. */
const PY_FLOAT = /^\s*[-+]?(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][-+]?\d(?:_?\d)*)?\s*$/;

function shown(v: Val): string {
  const s = pyStr(v);
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

type Read = { value: unknown } | { problem: string };

function readNumber(v: Val): number | null {
  if (v.t === 'int' || v.t === 'float') return v.v;
  if (v.t === 'str' && PY_FLOAT.test(v.v)) return Number(v.v.replace(/_/g, '').trim());
  return null;
}

const PRESETS = NEGATIVE_PROMPT_PRESET_NAMES.join(', ');

function readValue(key: string, kind: Kind, v: Val): Read {
  if (v.t === 'null' && kind !== 'text') return { value: null };
  const got = ` — got \`${shown(v)}\`.`;
  switch (kind) {
    case 'name':
      return v.t === 'list' || v.t === 'map' ? { problem: `\`name\` must be a single word or text${got}` } : { value: pyStr(v) };
    case 'text':
      return v.t === 'str' ? { value: v.v } : { problem: `\`${key}\` must be text${got} Put it in quotes if it looks like a number.` };
    case 'optText':
      return v.t === 'list' || v.t === 'map' ? { problem: `\`${key}\` must be a single value${got}` } : { value: pyStr(v) };
    case 'path':
      return v.t === 'str' ? { value: v.v } : { problem: `\`${key}\` must be a file path such as \`./images/face.png\`${got}` };
    case 'paths':
      if (v.t === 'str') return { value: v.v };
      if (v.t === 'list' && v.items.every((x) => x.t === 'str')) return { value: v.items.map((x) => (x as { v: string }).v) };
      return { problem: `\`${key}\` must be a file path such as \`./images/face.png\`, or a list of paths${got}` };
    case 'ints': {
      const items = v.t === 'list' ? v.items : [v];
      const ints = items.map(readNumber);
      if (ints.every((n) => n !== null && Number.isInteger(n))) return { value: ints };
      return { problem: `\`${key}\` must be a list of frame positions such as \`[0, -1]\`${got}` };
    }
    case 'bool':
      if (v.t === 'bool') return { value: v.v };
      if (v.t === 'str' && /^(true|false)$/i.test(v.v.trim())) return { value: v.v.trim().toLowerCase() === 'true' };
      return { problem: `\`${key}\` must be true or false${got}` };
    case 'posNum':
    case 'unit':
    case 'num': {
      const n = readNumber(v);
      const example = key === 'height' ? 'height: 768' : key === 'width' ? 'width: 512' : `${key}: ${kind === 'unit' ? '0.5' : '1.0'}`;
      if (n === null || !Number.isFinite(n)) return { problem: `\`${key}\` must be a number, e.g. \`${example}\`${got}` };
      if (kind === 'posNum' && !(n > 0)) return { problem: `\`${key}\` must be greater than 0, e.g. \`${example}\`${got}` };
      if (kind === 'unit' && !(n >= 0 && n <= 1)) return { problem: `\`${key}\` must be between 0 and 1${got}` };
      return { value: n };
    }
    case 'negative':
      if (v.t !== 'str') return { problem: `\`${key}\` must be a preset name (${PRESETS}) or the negative prompt text${got}` };
      if (isNegativePromptPreset(v.v)) return { value: v.v };
      if (/^(v\d+|empty)$/i.test(v.v.trim())) {
        return { problem: `\`${key}\`: there is no negative prompt preset named \`${v.v}\`. Use one of ${PRESETS} (case matters), or write the negative prompt text itself.` };
      }
      return { value: v.v };
  }
}

// ---------------------------------------------------------------------------------------------
// generate_prompts

const TEXT_AND_NAME = new Set(['eyes', 'hair', 'background', 'skin', 'face', 'smile', 'nose', 'mouth', 'necklace', 'irises', 'lighting']);
/** musev/auto_prompt/attributes/render.py RenderMap. */
const RENDER: Record<string, string> = {
  Epic: 'artstation, epic environment, highly detailed, 8k, HD',
  HD: '8k, highly detailed',
  EpicHD: 'hyper detailed, beautiful lighting, epic environment, octane render, cinematic, 8k',
  Digital: 'detailed illustration, crisp lines, digital art, 8k, trending on artstation',
  Unreal1: 'artstation, concept art, smooth, sharp focus, illustration, unreal engine 5, 8k',
  Unreal2: 'concept art, octane render, artstation, epic environment, highly detailed, 8k',
};

/** One attribute's text (AttrRegister class for registered names, else AttriributeIsText). A list = several prompts. */
function attributeText(name: string, v: Val): string | string[] {
  if (name === 'age') return pyStr(v).split(',').map((a) => (a ? `${a}-year-old` : '')).join(', ');
  if (v.t === 'null' || (v.t === 'str' && v.v === '')) return '';
  const parts = pyStr(v).split(',');
  if (TEXT_AND_NAME.has(name)) return parts.map((a) => (a ? `${a} ${name}` : '')).join(', ');
  if (name === 'render') {
    const texts = parts.filter((a) => a in RENDER).map((a) => RENDER[a]);
    return texts.length === 1 ? texts[0] : texts;
  }
  return parts.join(', ');
}

/** Python's `template.format(**texts)` for `{key}` fields; returns the text or what went wrong. */
function formatTemplate(template: string, texts: Map<string, string>): { text: string } | { missing: string } | { bad: string } {
  let out = '';
  for (let i = 0; i < template.length; ) {
    const c = template[i];
    if (c === '{' && template[i + 1] === '{') (out += '{'), (i += 2);
    else if (c === '}' && template[i + 1] === '}') (out += '}'), (i += 2);
    else if (c === '}') return { bad: 'has a `}` without its `{`. Write `}}` for a literal brace.' };
    else if (c === '{') {
      const j = template.indexOf('}', i);
      if (j < 0) return { bad: 'has a `{` that is never closed. Write `{{` for a literal brace.' };
      const field = template.slice(i + 1, j);
      if (field === '' || /^\d+$/.test(field)) return { bad: `has \`{${field}}\` without a key name. Write \`{key}\` with a key of the task.` };
      if (/[!:.[]/.test(field)) {
        return { bad: `has \`{${field}}\`: MuseV reads only plain \`{key}\` placeholders. Use parentheses for weights, e.g. \`(eye blinks:{eye_blinks_factor})\`.` };
      }
      if (!texts.has(field)) return { missing: field };
      out += texts.get(field);
      i = j + 1;
    } else (out += c), i++;
  }
  return { text: out };
}

/** MMCM's merge_near_same_char: every comma and the spaces after it become ", ". */
export const mergeCommas = (s: string): string => s.replace(/(, *)+/g, ', ');

/** The prompts of one task (usually one); a string = the problem. */
function generatePrompts(prompt: string, entries: Map<string, Val>): string[] | string {
  if (!prompt.includes('{') && prompt.length !== 0) return [prompt];
  if (prompt === '') return ['']; // OnlySpacePromptTemplate
  if (!/\{.+\}/.test(prompt)) {
    const templateName = entries.get('template_name');
    return templateName && pyStr(templateName) === 'portrait'
      ? 'uses the `portrait` attribute template, which the browser does not implement. Write the prompt with `{key}` placeholders instead.'
      : 'has `{` but no `{key}` placeholder. MuseV treats such a prompt as a template: remove the brace, or name a key of the task inside it.';
  }
  let combos: Map<string, string>[] = [new Map()];
  for (const m of prompt.matchAll(/\{([^{|^}]+)\}/g)) {
    const word = m[1];
    const v = entries.get(word);
    if (v === undefined) continue;
    const text = attributeText(word, v);
    const options = Array.isArray(text) ? text : [text];
    if (options.length === 0) return `fills \`{${word}}\` from \`${word}: ${pyStr(v)}\`, which names no render preset. Use one of ${Object.keys(RENDER).join(', ')}.`;
    combos = options.flatMap((o) => combos.map((c) => new Map(c).set(word, o)));
  }
  const prompts: string[] = [];
  for (const texts of combos) {
    const r = formatTemplate(prompt, texts);
    if ('missing' in r) return `uses \`{${r.missing}}\` but the task has no key \`${r.missing}\`. Add a line \`${r.missing}: ...\` to the task, or fix the placeholder's spelling.`;
    if ('bad' in r) return r.bad;
    prompts.push(mergeCommas(r.text));
  }
  return prompts;
}

// ---------------------------------------------------------------------------------------------
// The whole file

interface Resolved {
  source: CMap;
  entries: Map<string, Val>;
}

function cartesian<T>(lists: T[][]): T[][] {
  return lists.reduce<T[][]>((acc, list) => acc.flatMap((combo) => list.map((x) => [...combo, x])), [[]]);
}

/** fiss_tasks: the variants of one task (the task itself when no string value has '|'). */
export function fissTask(entries: Map<string, Val>): { entries: Map<string, Val>; variant: Record<string, string> }[] {
  const fields = [...entries].filter(([, v]) => v.t === 'str' && v.v.includes('|')).map(([k]) => k);
  if (fields.length === 0) return [{ entries, variant: {} }];
  const choices = fields.map((k) => (entries.get(k) as { v: string }).v.split('|'));
  return cartesian(choices).map((values) => {
    const copy = new Map(entries);
    const variant: Record<string, string> = {};
    fields.forEach((k, i) => {
      copy.set(k, { t: 'str', v: values[i] });
      variant[k] = values[i];
    });
    return { entries: copy, variant };
  });
}

function taskLabel(entries: Map<string, Val>, fallback: number): string {
  const name = entries.get('name');
  return name && name.t !== 'null' ? pyStr(name) : `task ${fallback + 1}`;
}

export function parseTaskFile(text: string, options: ParseTaskFileOptions = {}): ParsedTaskFile {
  const errors: TaskFileError[] = [];
  const seen = new Set<string>();
  const report = (pos: Pos, key: string | null, task: string | null, message: string) => {
    const id = `${pos.line}:${pos.column}:${key}:${message}`;
    if (seen.has(id)) return;
    seen.add(id);
    errors.push({ line: pos.line, column: pos.column, key, task, message });
  };

  let root;
  try {
    root = loadTaskYaml(text);
  } catch (e) {
    if (!(e instanceof TaskYamlError)) throw e;
    return { tasks: [], errors: [{ line: e.pos.line, column: e.pos.column, key: null, task: null, message: e.message, snippet: e.snippet }] };
  }
  if (root.kind !== 'list') {
    const single = root.kind === 'map' && root.entries.has('prompt');
    report(root.pos, null, null, single
      ? 'The file is a single task, but MuseV reads a list of tasks. Put "- " before the first key and indent the other keys by two spaces.'
      : 'The file must be a YAML list of tasks: each task starts with "- name: ..." and has a `prompt`.');
    return { tasks: [], errors };
  }

  // 1. interpolation (OmegaConf resolves the whole file)
  const resolver = new Resolver(root);
  const resolved: Resolved[] = [];
  root.items.forEach((item, i) => {
    if (item.kind !== 'map') {
      report(item.pos, null, `task ${i + 1}`, `Task ${i + 1} (line ${item.pos.line}) is not a set of keys. Write it as "- name: ..." followed by "  prompt: ..." on the next line.`);
      return;
    }
    const entries = new Map<string, Val>();
    let ok = true;
    for (const [key, e] of item.entries) {
      try {
        entries.set(key, resolver.resolve(e.node));
      } catch (err) {
        if (!(err instanceof TaskYamlError)) throw err;
        const name = item.entries.get('name')?.node;
        report(err.pos, key, name?.kind === 'scalar' && name.value.t !== 'null' ? pyStr(name.value) : `task ${i + 1}`, err.message);
        ok = false;
      }
    }
    if (ok) resolved.push({ source: item, entries });
  });

  // 2. --target_datas
  const target = (options.targetDatas ?? 'all').trim();
  let selected = resolved;
  if (target !== 'all') {
    const names = target.split(',').map((s) => s.trim());
    selected = resolved.filter((t) => {
      const name = t.entries.get('name');
      return name !== undefined && names.includes(pyStr(name));
    });
    if (selected.length === 0 && resolved.length > 0) {
      const all = resolved.map((t, i) => taskLabel(t.entries, i)).join(', ');
      report(resolved[0].source.pos, 'name', null, `No task is named ${names.map((n) => `"${n}"`).join(' or ')}. The file's tasks are: ${all}. Choose one of them, or "all".`);
    }
  }

  // 3-5. fission, prompts, typed tasks
  const tasks: MuseVTask[] = [];
  selected.forEach(({ source, entries }, sourceIndex) => {
    const label = taskLabel(entries, sourceIndex);
    const valuePos = (key: string): Pos => source.entries.get(key)?.node.pos ?? source.pos;
    const positions: Record<string, Pos> = {};
    for (const [k, e] of source.entries) positions[k] = e.keyPos;

    for (const variant of fissTask(entries)) {
      const prompt = variant.entries.get('prompt');
      if (prompt === undefined) {
        report(source.pos, 'prompt', label, `Task "${label}" (line ${source.pos.line}) has no prompt. Add a line \`prompt: ...\`; MuseV needs one for every task.`);
        continue;
      }
      if (prompt.t !== 'str') {
        report(valuePos('prompt'), 'prompt', label, `The prompt of task "${label}" must be text — got \`${shown(prompt)}\`. Put it in quotes.`);
        continue;
      }
      const prompts = generatePrompts(prompt.v, variant.entries);
      if (typeof prompts === 'string') {
        report(valuePos('prompt'), 'prompt', label, `The prompt of task "${label}" (line ${valuePos('prompt').line}) ${prompts}`);
        continue;
      }
      for (const p of prompts) {
        const task = typedTask(variant.entries, p, label, valuePos, (pos, key, msg) => report(pos, key, label, msg));
        if (!task) continue;
        task.line = source.pos.line;
        task.positions = positions;
        task.variant = variant.variant;
        task.index = tasks.length;
        if (task.name === null || !variant.entries.has('name')) task.name = String(task.index); // MuseV: test_data.get("name", i)
        tasks.push(task);
      }
    }
  });
  errors.sort((a, b) => a.line - b.line || a.column - b.column);
  return { tasks, errors };
}

function typedTask(
  entries: Map<string, Val>,
  prompt: string,
  label: string,
  valuePos: (key: string) => Pos,
  report: (pos: Pos, key: string, message: string) => void,
): MuseVTask | null {
  const task: MuseVTask = {
    name: '', prompt, condition_images: null, condition_images_index: null, redraw_condition_image: null,
    refer_image: null, ipadapter_image: null, face_image: null, height: null, width: null, img_length_ratio: null,
    video_path: null, video_is_middle: null, video_has_condition: null, negative_prompt: null, video_negative_prompt: null,
    motion_speed: null, w_ind_noise: null, img_weight: null, sex: null, style: null, template_name: null,
    extra: {}, line: 0, positions: {}, variant: {}, index: 0,
  };
  let ok = true;
  for (const [key, v] of entries) {
    if (key === 'prompt') continue;
    if (!isTaskKey(key)) {
      task.extra[key] = toJs(v);
      continue;
    }
    const r = readValue(key, TASK_KEYS[key], v);
    if ('problem' in r) {
      const pos = valuePos(key);
      report(pos, key, `Task "${label}", line ${pos.line}: ${r.problem}`);
      ok = false;
    } else (task as unknown as Record<string, unknown>)[key] = r.value;
  }
  return ok ? task : null;
}
