import { parseTaskFile, type MuseVTask, type TaskFileError } from '../core/taskFile';
import { settingsToTaskYaml, taskToSettings, type TaskExport, type TaskSettingsPatch } from '../core/taskSettings';
import type { AppDeps, GetState, SetState, StoreInternals } from './appStore';
import { videoFileName } from './fileName';
import type { ImageSlot } from './imageSlice';
import { isBusy } from './progress';
import type { Settings } from './settings';

/** 'missing-image': the task names a condition image the user has not provided yet. */
export type TaskStatus = 'queued' | 'running' | 'done' | 'failed' | 'missing-image' | 'cancelled';

export interface QueueItem {
  id: number;
  task: MuseVTask;
  /** File name the task's condition image must have (basename of its path); null = none (first frame generated). */
  imageName: string | null;
  status: TaskStatus;
  /** Why the task failed or waits, in words. */
  message: string | null;
  /** Where the run differs from MuseV for this task. */
  notes: string[];
  result: { url: string; name: string; bytes: number } | null;
}

export interface QueueState {
  /** The imported task file's name; null = none yet. */
  fileName: string | null;
  items: QueueItem[];
  /** Problems in the file, with their lines (tasks with problems are left out of items). */
  errors: TaskFileError[];
  /** MuseV's --target_datas: 'all' or comma-separated task names. */
  target: string;
  /** Names of the images the user provided for the tasks. */
  imageNames: string[];
  running: boolean;
}

export interface QueueSlice {
  queue: QueueState;
  /** Read a .yaml/.yml MuseV task file and list its tasks (replaces the previous list). */
  importTaskFile(file: Blob & { name: string }): Promise<void>;
  loadTaskText(text: string, fileName: string): void;
  /** Re-select tasks by name, like --target_datas ('all' or names separated by commas). */
  setTaskTarget(target: string): void;
  /** Images the tasks name, matched by file name (the basename of each task path). */
  addTaskImages(files: File[]): void;
  /** Run every task not done yet, one after another, with the normal generate flow. */
  runQueue(): Promise<void>;
  /** Stop the queue: the running task is cancelled and no further task starts. */
  cancelQueue(): void;
  clearQueue(): void;
  /** The current settings (and image name) as a MuseV task file. */
  exportTask(): TaskExport & { fileName: string };
}

export const EMPTY_QUEUE: QueueState = { fileName: null, items: [], errors: [], target: 'all', imageNames: [], running: false };

const TASK_FILE = /\.ya?ml$/i;

/** Settings a task gives, on top of `base`; keys the settings do not have become notes. */
export function applyTaskPatch(base: Settings, patch: TaskSettingsPatch): { settings: Settings; notes: string[] } {
  const settings: Record<string, unknown> = { ...base };
  const notes: string[] = [];
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (key in base) settings[key] = value;
    else if (key === 'firstFrameNegativePrompt') {
      if (value !== (patch.negativePrompt ?? base.negativePrompt)) {
        notes.push('negative_prompt (the first-frame negative prompt) is not applied: the settings have one negative prompt, used for the first frame too.');
      }
    } else notes.push(`${key} is not a setting of this app and is not applied.`);
  }
  return { settings: settings as unknown as Settings, notes };
}
// The patch's values must fit the settings they land on.
const _fits: Partial<Settings> = {} as Omit<TaskSettingsPatch, 'firstFrameNegativePrompt'>;
void _fits;

const label = (task: MuseVTask) => [task.name, ...Object.entries(task.variant).map(([k, v]) => `${k} ${v}`)].join(' ');

function missingMessage(item: QueueItem): string {
  const line = item.task.positions.condition_images?.line ?? item.task.line;
  return `Task "${item.task.name}" (line ${line}): condition_images names "${item.imageName}". Add that image with "Add images".`;
}

export function createQueueSlice(set: SetState, get: GetState, deps: AppDeps, internals: StoreInternals): QueueSlice {
  const files = new Map<string, File>();
  let text: string | null = null;
  let nextId = 1;
  let stop = false;

  const findFile = (name: string | null): File | null => {
    if (name === null) return null;
    if (files.has(name)) return files.get(name)!;
    const lower = name.toLowerCase();
    for (const [n, f] of files) if (n.toLowerCase() === lower) return f;
    return null;
  };
  const waiting = (item: QueueItem): QueueItem =>
    item.imageName !== null && !findFile(item.imageName) ? { ...item, status: 'missing-image', message: missingMessage(item) } : item;
  const patchItem = (id: number, fn: (item: QueueItem) => QueueItem) =>
    set((s) => ({ queue: { ...s.queue, items: s.queue.items.map((it) => (it.id === id ? fn(it) : it)) } }));
  const releaseResults = (items: QueueItem[]) => {
    for (const it of items) {
      if (!it.result) continue;
      internals.keptUrls.delete(it.result.url);
      if (it.result.url !== get().job.resultUrl) deps.revokeObjectURL(it.result.url); // else the job slice revokes it later
    }
  };

  const parse = (fileName: string) => {
    if (text === null) return;
    const { tasks, errors } = parseTaskFile(text, { targetDatas: get().queue.target });
    releaseResults(get().queue.items);
    const items = tasks.map((task): QueueItem => {
      const { imageName, notes, unsupported } = taskToSettings(task, null);
      const item: QueueItem = { id: nextId++, task, imageName, status: 'queued', message: unsupported, notes, result: null };
      return unsupported ? { ...item, status: 'failed' } : waiting(item);
    });
    set((s) => ({ queue: { ...s.queue, fileName, items, errors } }));
  };

  /** Load a task's images into the image slots; false = it cannot run (message set). */
  const loadImages = async (item: QueueItem, names: { referImageName: string | null; ipAdapterImageName: string | null; faceImageName: string | null }): Promise<string[] | false> => {
    const notes: string[] = [];
    if (item.imageName === null) get().clearImage();
    else {
      const file = findFile(item.imageName);
      if (!file) {
        patchItem(item.id, waiting);
        return false;
      }
      if (!(await get().setImageFile(file))) {
        patchItem(item.id, (it) => ({ ...it, status: 'failed', message: get().error?.message ?? `Could not read ${item.imageName}.` }));
        return false;
      }
    }
    const slots: [ImageSlot, string | null, string][] = [
      ['referImage', names.referImageName, 'refer_image'],
      ['ipAdapterImage', names.ipAdapterImageName, 'ipadapter_image'],
      ['faceImage', names.faceImageName, 'face_image'],
    ];
    for (const [slot, name, key] of slots) {
      const file = findFile(name);
      if (file && (await get().setImageFile(file, slot))) continue;
      get().clearImage(slot);
      if (name) notes.push(`${key} "${name}" was not provided: the condition image stands in for it.`);
    }
    return notes;
  };

  return {
    queue: EMPTY_QUEUE,

    async importTaskFile(file) {
      if (!TASK_FILE.test(file.name)) {
        set((s) => ({ queue: { ...s.queue, errors: [{ line: 1, column: 1, key: null, task: null, message: `"${file.name}" is not a task file. Choose a MuseV task file ending in .yaml or .yml.` }] } }));
        return;
      }
      const content = await file.text();
      get().loadTaskText(content, file.name);
    },

    loadTaskText(content, fileName) {
      if (get().queue.running) return;
      text = content;
      parse(fileName);
    },

    setTaskTarget(target) {
      set((s) => ({ queue: { ...s.queue, target: target.trim() || 'all' } }));
      if (!get().queue.running) parse(get().queue.fileName ?? 'tasks.yaml');
    },

    addTaskImages(list) {
      for (const f of list) files.set(f.name, f);
      set((s) => ({
        queue: {
          ...s.queue,
          imageNames: [...files.keys()],
          items: s.queue.items.map((it) => (it.status === 'missing-image' ? waiting({ ...it, status: 'queued', message: null }) : it)),
        },
      }));
    },

    async runQueue() {
      const s0 = get();
      if (s0.queue.running || isBusy(s0.job.status) || s0.gpuCheck.status === 'running') return;
      stop = false;
      set((s) => ({ queue: { ...s.queue, running: true } }));
      const base = get().settings; // every task starts from the settings the queue started with
      for (const { id } of get().queue.items) {
        const item = get().queue.items.find((it) => it.id === id);
        if (stop) break;
        if (!item || item.status === 'done' || item.status === 'missing-image' || (item.status === 'failed' && item.task.video_path !== null)) continue;
        patchItem(id, (it) => ({ ...it, status: 'running', message: null }));
        const names = taskToSettings(item.task, null);
        const imageNotes = await loadImages(item, names);
        if (imageNotes === false) continue;
        if (stop) {
          patchItem(id, (it) => ({ ...it, status: 'cancelled', message: 'Cancelled.' }));
          break;
        }
        const image = get().image;
        const mapped = taskToSettings(item.task, item.imageName !== null && image ? { width: image.width, height: image.height } : null);
        const { settings, notes } = applyTaskPatch(base, mapped.patch);
        set({ settings });
        patchItem(id, (it) => ({ ...it, notes: [...mapped.notes, ...imageNotes, ...notes] }));

        const before = get().job;
        await get().generate();
        const job = get().job;
        if (job === before) {
          patchItem(id, (it) => ({ ...it, status: 'failed', message: get().error?.message ?? 'The generation could not start.' }));
        } else if (job.status === 'done' && job.resultUrl) {
          internals.keptUrls.add(job.resultUrl);
          const result = { url: job.resultUrl, name: videoFileName(label(item.task), settings.seed, job.resultName?.split('.').pop()), bytes: job.resultBytes };
          patchItem(id, (it) => ({ ...it, status: 'done', message: null, result }));
        } else if (job.status === 'cancelled' || stop) {
          patchItem(id, (it) => ({ ...it, status: 'cancelled', message: 'Cancelled: run the queue again to retry.' }));
          break;
        } else {
          patchItem(id, (it) => ({ ...it, status: 'failed', message: job.error?.message ?? 'The generation failed.' }));
        }
      }
      set((s) => ({ queue: { ...s.queue, running: false } }));
    },

    cancelQueue() {
      if (!get().queue.running) return;
      stop = true;
      get().cancel();
    },

    clearQueue() {
      if (get().queue.running) return;
      releaseResults(get().queue.items);
      files.clear();
      text = null;
      set({ queue: EMPTY_QUEUE });
    },

    exportTask() {
      const { settings, image } = get();
      const fileName = 'musev-task.yaml';
      return { ...settingsToTaskYaml(settings, { imageName: image?.name ?? null, fileName }), fileName };
    },
  };
}
