"""Golden numbers for src/core/mt19937.ts and src/core/torchRandn.ts.

Records what real torch (CPU, float32) returns for
    g = torch.Generator().manual_seed(seed); torch.randn(shape, generator=g)
including consecutive calls on one generator, plus raw mt19937 32-bit outputs
(torch.randint over the full uint32 range is not exposed, so the raw words come from
numpy's RandomState, which is the same MT19937 with init_genrand seeding).
Run: /usr/bin/python3 models/golden/torch_randn.py  -> src/core/__golden__/torch_randn.json
"""
import json
import os

import numpy as np
import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "src", "core", "__golden__", "torch_randn.json")


def randn_case(seed, shapes):
    g = torch.Generator().manual_seed(seed)
    outs = []
    for shape in shapes:
        t = torch.randn(shape, generator=g, dtype=torch.float32)
        outs.append(dict(shape=list(shape), values=[float(v) for v in t.flatten().tolist()]))
    return dict(seed=seed, calls=outs)


def main():
    cases = [
        randn_case(0, [(16,)]),
        randn_case(42, [(17,)]),
        randn_case(1234, [(33,)]),
        randn_case(7, [(1, 4, 8, 8)]),
        randn_case(2024, [(1, 4, 1, 4, 4), (1, 4, 3, 4, 4)]),  # two consecutive calls
        randn_case(123456789, [(20,), (16,), (45,)]),
        randn_case(2**32 + 5, [(16,)]),  # torch keeps only the low 32 bits for mt19937
        randn_case(99999999, [(1, 4, 12, 8, 8)]),
    ]
    mt = []
    for seed in (0, 5489, 4294967295):
        rs = np.random.RandomState(seed)
        words = rs.randint(0, 2**32, size=1300, dtype=np.uint64)  # >624 words: crosses a twist
        mt.append(dict(seed=seed, first=[int(w) for w in words[:8]], at_1290=[int(w) for w in words[1290:1300]]))
    # numpy's randint(0, 2**32) draws one raw 32-bit word per value (masked rejection with mask 2**32-1).
    doc = dict(source="models/golden/torch_randn.py (torch %s, CPU)" % torch.__version__, randn=cases, mt19937=mt)
    with open(OUT, "w") as f:
        json.dump(doc, f)
    print("wrote", os.path.normpath(OUT))


if __name__ == "__main__":
    main()
