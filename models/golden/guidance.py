"""Golden guidance schedules for src/core/guidance.ts.

Re-states MuseV's musev/utils/timesteps_util.py `generate_parameters_with_timesteps`
(linear = numpy.linspace; two_stage; three_stage with float floor division; fix_two_stage with
n_fix_start = 3) and the CFG combination e_u + g·(e_c − e_u) on float32 tensors.
Run: /usr/bin/python3 models/golden/guidance.py  -> src/core/__golden__/guidance.json
"""
import json
import math
import os

import numpy as np
import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "src", "core", "__golden__", "guidance.json")


def generate_parameters_with_timesteps(start, num, stop=None, method="linear", n_fix_start=3):
    if stop is None or start == stop:
        return [start] * num
    if method == "linear":
        return list(np.linspace(start=start, stop=stop, num=num))
    if method == "two_stage":
        num_start = num // 2
        return [start] * num_start + [stop] * (num - num_start)
    if method == "three_stage":
        middle = (start + stop) // 2
        num_start = num // 3
        return [start] * num_start + [middle] * num_start + [stop] * (num - 2 * num_start)
    if method == "fix_two_stage":
        return [start] * n_fix_start + [stop] * (num - n_fix_start)
    raise ValueError(method)


def main():
    schedules = []
    for method in ("linear", "two_stage", "three_stage", "fix_two_stage"):
        for start, stop in ((3.5, None), (3.5, 3.5), (3.5, 7.5), (7.5, 1.0), (1, 6), (12.0, 3.5)):
            for num in (1, 2, 3, 7, 10, 30):
                if method == "fix_two_stage" and num < 3:
                    continue  # MuseV returns 3 values there; see guidance.ts
                vals = generate_parameters_with_timesteps(start, num, stop, method)
                schedules.append(dict(start=start, stop=stop, steps=num, method=method, values=[float(v) for v in vals]))

    # CFG on a (2, 2, 2, 2, 2) tensor: [uncond, cond] halves along the batch.
    x = torch.tensor([math.sin(1.3 * k) * 2 for k in range(32)], dtype=torch.float32).reshape(2, 2, 2, 2, 2)
    cfg = []
    for g in (1.0, 3.5, 7.5, 5.833333333333333):
        u, c = x.chunk(2)
        out = u + g * (c - u)
        cfg.append(dict(g=g, out=[float(v) for v in out.flatten().tolist()]))
    doc = dict(source="models/golden/guidance.py (MuseV timesteps_util.py, numpy %s)" % np.__version__,
               schedules=schedules, cfg=dict(shape=[2, 2, 2, 2, 2], eps=[float(v) for v in x.flatten().tolist()], cases=cfg))
    with open(OUT, "w") as f:
        json.dump(doc, f)
    print("wrote", os.path.normpath(OUT), len(schedules), "schedules")


if __name__ == "__main__":
    main()
