"""Golden window plans for src/core/planWindows.ts.

Re-states MuseV's musev/pipelines/context.py (`uniform`, `uniform_v2`, `drop_last_repeat_context`,
`prepare_global_context` with step=0 and context_batch_size=1) and MMCM's
mmcm/utils/itertools_util.py `generate_sample_idxs` (sample_rate=1, drop_last=False).
Run: /usr/bin/python3 models/golden/plan_windows.py  -> src/core/__golden__/plan_windows.json
"""
import json
import os

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "src", "core", "__golden__", "plan_windows.json")


def generate_sample_idxs(total, window_size, step, sample_rate=1, drop_last=False):
    idxs = [idx for i, idx in enumerate(range(total)) if i % sample_rate == 0]
    sample_idxs = []
    new_total = len(idxs)
    window_start = 0
    while window_start < new_total:
        window_end = window_start + window_size
        window = idxs[window_start:window_end]
        if window_end > new_total and drop_last:
            break
        sample_idxs.append(window)
        window_start += step
    return sample_idxs


def ordered_halving(val):
    return int(f"{val:064b}"[::-1], 2) / (1 << 64)


def uniform(step, num_steps, num_frames, context_size, context_stride=3, context_overlap=4, closed_loop=True):
    if num_frames <= context_size:
        yield list(range(num_frames))
        return
    context_stride = min(context_stride, int(np.ceil(np.log2(num_frames / context_size))) + 1)
    for context_step in 1 << np.arange(context_stride):
        pad = int(round(num_frames * ordered_halving(step)))
        for j in range(
            int(ordered_halving(step) * context_step) + pad,
            num_frames + pad + (0 if closed_loop else -context_overlap),
            (context_size * context_step - context_overlap),
        ):
            yield [int(e % num_frames) for e in range(j, j + context_size * context_step, int(context_step))]


def uniform_v2(step, num_steps, num_frames, context_size, context_stride=3, context_overlap=4, closed_loop=True):
    return generate_sample_idxs(num_frames, context_size, context_size - context_overlap, 1, False)


def drop_last_repeat_context(contexts):
    if len(contexts) >= 2 and contexts[-1][-1] == contexts[-2][-1]:
        return contexts[:-1]
    return contexts


def prepare_global_context(schedule, time_size, context_frames, context_stride, context_overlap):
    sched = uniform if schedule == "uniform" else uniform_v2
    queue = list(sched(step=0, num_steps=10, num_frames=time_size, context_size=context_frames,
                       context_stride=context_stride, context_overlap=context_overlap))
    return drop_last_repeat_context(queue)


def main():
    cases = []
    frame_counts = list(range(1, 41)) + [48, 60, 96, 144]
    for schedule in ("uniform_v2", "uniform"):
        for (ctx, ov) in ((12, 4), (4, 2), (16, 4), (12, 0), (8, 7)):
            strides = (1,) if schedule == "uniform_v2" else (1, 2, 3)
            for stride in strides:
                for n in frame_counts:
                    cases.append(dict(schedule=schedule, frames=n, contextFrames=ctx, overlap=ov, contextStride=stride,
                                      windows=prepare_global_context(schedule, n, ctx, stride, ov)))
    with open(OUT, "w") as f:
        json.dump(dict(source="models/golden/plan_windows.py (MuseV context.py + MMCM generate_sample_idxs)", cases=cases), f)
    print("wrote", os.path.normpath(OUT), len(cases), "cases")
    for c in cases:
        if c["frames"] in (13, 10) and c["contextFrames"] in (12, 4) and c["contextStride"] == 1 and c["overlap"] in (4, 2):
            print(c["schedule"], c["frames"], c["contextFrames"], c["overlap"], c["windows"])


if __name__ == "__main__":
    main()
