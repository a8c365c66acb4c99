import { normalizeWorkerError } from '../clients/normalizeError';
import type { AppError } from '../rpc/errors';
import type { ProgressEvent } from '../rpc/progress';
import type { AppDeps, GetState, SetState } from './appStore';
import { videoFileName } from './fileName';
import { IDLE_JOB, isBusy, reduceProgress, startJob, type JobState } from './progress';
import { buildRequest, requestProblem } from './request';

export interface JobSlice {
  job: JobState;
  /** load pack → crop/resize images → generate → encode (the chosen format and encoder) → blob URL. No-op while busy. */
  generate(): Promise<void>;
  /** Stop at once: terminate the busy worker(s); the job ends 'cancelled', inputs stay. */
  cancel(): void;
}

export function createJobSlice(set: SetState, get: GetState, deps: AppDeps): JobSlice {
  let current = 0; // id of the job whose events and results still count
  let entry: { job: number; id: string } | null = null; // the current job's gallery entry
  const entryOf = (id: number) => (entry?.job === id ? entry.id : null);

  const update = (id: number, fn: (job: JobState) => JobState) => {
    if (id === current) set((s) => ({ job: fn(s.job) }));
  };

  const fail = (id: number, error: AppError) => {
    if (id !== current) return;
    const kept = entryOf(id);
    if (kept) void (error.code === 'cancelled' ? get().galleryJobCancelled(kept) : get().galleryJobFailed(kept, error.message));
    if (error.code === 'cancelled') {
      update(id, (job) => ({ ...job, status: 'cancelled', etaMs: null }));
      return;
    }
    update(id, (job) => ({ ...job, status: 'error', etaMs: null, error }));
    set({ error });
    // An installed pack that failed its check while loading: the pack manager then shows which file, with Re-download.
    if (error.code === 'pack-corrupt' || error.code === 'pack-missing') void get().refreshPacks();
  };

  return {
    job: IDLE_JOB,

    async generate() {
      const { job, settings, packFeatures, packPath } = get();
      if (isBusy(job.status) || get().gpuCheck.status === 'running') return; // one worker job at a time
      const images = { image: get().image, referImage: get().referImage, ipAdapterImage: get().ipAdapterImage, faceImage: get().faceImage };
      const problem = requestProblem(settings, images, packFeatures);
      if (problem) {
        set({ error: problem });
        return;
      }
      const id = ++current;
      if (job.resultUrl) deps.revokeObjectURL(job.resultUrl);
      set({ job: startJob(deps.now()), error: null });
      const galleryId = get().galleryJobStarted({ settings, packPath, images });
      entry = galleryId ? { job: id, id: galleryId } : null;
      const onProgress = (event: ProgressEvent) => update(id, (j) => reduceProgress(j, event, deps.now()));

      try {
        const loaded = await deps.generator.ensurePack(deps.manifestUrl(packPath), { backend: settings.backend }, onProgress);
        if (id !== current) return;
        get().applyPack(loaded.pack);
        set({ backend: loaded.backend });
        // The worker's answer may tell more about the pack than the manifest read did.
        const late = requestProblem(settings, images, get().packFeatures);
        if (late) throw late;
        onProgress({ type: 'stage', stage: 'encode-text' });

        const request = buildRequest(settings, images, get().packFeatures, deps.cropResize);
        const out = await deps.generator.generate(request, onProgress);
        if (id !== current) return;

        onProgress({ type: 'stage', stage: 'encode-video' });
        // The gallery thumbnail: a copy, since the encoder takes (detaches) the frames' buffers.
        const thumb = out.frames[Math.floor(out.frames.length / 2)]?.slice();
        const encoded = await deps.encoder.encode(
          { frames: out.frames, width: out.width, height: out.height, fps: settings.fps, format: settings.videoFormat, encoder: settings.videoEncoder },
          onProgress,
        );
        if (id !== current) return;

        const blob = new Blob([encoded.bytes as Uint8Array<ArrayBuffer>], { type: encoded.mimeType });
        const url = deps.createObjectURL(blob);
        update(id, (j) => ({
          ...j,
          status: 'done',
          stage: null,
          etaMs: null,
          resultUrl: url,
          resultName: videoFileName(settings.prompt, settings.seed, encoded.extension),
          resultBytes: blob.size,
          resultMime: encoded.mimeType,
          resultNote: `${encoded.encoder === 'webcodecs' ? 'WebCodecs' : 'ffmpeg.wasm'} ${encoded.codec} (${encoded.reason})`,
          timings: { ...out.timings, encodeMs: encoded.ms },
        }));
        const kept = entryOf(id);
        const video = { file: blob, frames: out.frames.length, fps: settings.fps, width: out.width, height: out.height };
        if (kept) void get().galleryJobDone(kept, get().pack?.id ?? null, { ...video, thumb: thumb ? { width: out.width, height: out.height, rgba: thumb } : null });
      } catch (e) {
        fail(id, normalizeWorkerError(e, 'internal'));
      }
    },

    cancel() {
      if (!isBusy(get().job.status)) return;
      const kept = entryOf(current);
      if (kept) void get().galleryJobCancelled(kept);
      current++; // late events and results of the cancelled job are ignored from now on
      deps.generator.abort();
      deps.encoder.abort();
      set((s) => ({ job: { ...s.job, status: 'cancelled', etaMs: null } }));
    },
  };
}
