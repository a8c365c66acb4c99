"""Expected weight bytes of each graph at SD1.5 size, per precision (models/README.md table).

    PYTHONPATH=models /usr/bin/python3 -m musev_export.optimize.sizes          # ~1 min, ~6 GB RAM

Builds the exporter's own modules at full size (random init, nothing exported) where a config is
at hand — the musev UNet3D from the tiny config with SD1.5 widths, checked against spec section 5's
1,419,970,283 — and counts parameters by what the int8 pass does with them: 2-D weights of
nn.Linear (MatMul/Gemm: int8 + a float32 scale and an int8 zero point per output channel) vs
everything else (fp16). Graphs not built here use spec section 5's parameter counts with the
linear share counted from their architecture (see LINEAR_SHARE)."""
from __future__ import annotations

import sys
from typing import Dict, Tuple

import torch
from torch import nn

# spec section 5 parameter counts
SPEC_PARAMS = {
    "unet (musev)": 1_419_970_283,
    "unet (musev_referencenet)": 1_482_356_202,
    "referencenet": 348_712_960,
    "clip_vision": 632_000_000,
    "text_encoder": 123_060_000,
    "vae (encoder + decoder)": 83_650_000,
    "image_proj": 3_150_336,
}
# (linear weight params, output channels of those linears) for graphs counted by hand:
#  text encoder CLIP-L: 12 x (4 x 768^2 + 2 x 768 x 3072) weights; token embedding (49408 x 768) is a Gather table.
#  clip_vision ViT-H/14: 32 x (4 x 1280^2 + 2 x 1280 x 5120) + projection 1280 x 1024.
#  vae: the two mid-block attentions, 4 x 512^2 each (everything else is convolution).
#  image_proj: proj 1024 -> 3072.
LINEAR_SHARE = {
    "text_encoder": (12 * (4 * 768 * 768 + 2 * 768 * 3072), 12 * (4 * 768 + 3072 + 768)),
    "clip_vision": (32 * (4 * 1280 * 1280 + 2 * 1280 * 5120) + 1280 * 1024, 32 * (4 * 1280 + 5120 + 1280) + 1024),
    "vae (encoder + decoder)": (2 * 4 * 512 * 512, 2 * 4 * 512),
    "image_proj": (1024 * 3072, 3072),
}


def linear_split(model: nn.Module, prefix_filter=None) -> Tuple[int, int, int]:
    """(all params, params in nn.Linear weights, output channels of those weights)."""
    total = lin = chans = 0
    lin_ids = set()
    for name, mod in model.named_modules():
        if isinstance(mod, nn.Linear) and (prefix_filter is None or prefix_filter(name)):
            lin += mod.weight.numel()
            chans += mod.weight.shape[0]
            lin_ids.add(id(mod.weight))
    for name, p in model.named_parameters():
        if prefix_filter is None or prefix_filter(name):
            total += p.numel()
    return total, lin, chans


def sizes(total: int, lin: int, chans: int) -> Dict[str, float]:
    return {
        "fp32": 4 * total,
        "fp16": 2 * total,
        "fp16+int8": 2 * (total - lin) + lin + 5 * chans,
    }


def full_musev_unet_config() -> dict:
    from ..presets import config_path
    from ..common import read_json

    cfg = read_json(config_path("musev_unet"))
    cfg.update(block_out_channels=[320, 640, 1280, 1280], attention_head_dim=8, cross_attention_dim=768, sample_size=64)
    return cfg


def main() -> int:
    from ..unet3d import UNet3DConditionModel

    torch.manual_seed(0)
    rows = []
    with torch.no_grad():
        unet = UNet3DConditionModel(full_musev_unet_config())
    total, lin, chans = linear_split(unet)
    assert total == SPEC_PARAMS["unet (musev)"], f"musev UNet3D has {total:,} params, spec says {SPEC_PARAMS['unet (musev)']:,}"
    rows.append(("unet (musev)", total, lin, chans))
    # spatial-only weights (what unet_spatial reads) and the ReferenceNet-shaped part (down + mid, spatial)
    spatial = lambda n: not any(s in n for s in ("temp_", "transformer_in", "frame_embedding"))  # noqa: E731
    rows.append(("unet_spatial (musev, shares unet's files)",) + linear_split(unet, spatial))
    refnet_like = lambda n: spatial(n) and (n.startswith(("conv_in", "time_embedding", "down_blocks", "mid_block")))  # noqa: E731
    rt, rl, rc = linear_split(unet, refnet_like)
    del unet
    # referencenet-family UNet: + IP k/v (19.17M) + refer attentions (45.89M), all linear; - transformer_in
    extra = SPEC_PARAMS["unet (musev_referencenet)"] - SPEC_PARAMS["unet (musev)"]
    rows.append(("unet (musev_referencenet)", total + extra, lin + extra, chans + extra // 768))
    # ReferenceNet2D = SD UNet down + mid (spatial) + conv_in + time embedding: compare with the spec count
    rows.append(("referencenet", SPEC_PARAMS["referencenet"], rl + (SPEC_PARAMS["referencenet"] - rt), rc))
    for name in ("clip_vision", "text_encoder", "vae (encoder + decoder)", "image_proj"):
        rows.append((name, SPEC_PARAMS[name]) + LINEAR_SHARE[name])
    print("| graph | params | linear share | fp32 | fp16 | fp16 + int8 linears |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, total, lin, chans in rows:
        s = sizes(total, lin, chans)
        print(f"| {name} | {total / 1e6:,.1f} M | {100 * lin / total:.0f} % | {s['fp32'] / 1e9:.2f} GB | "
              f"{s['fp16'] / 1e9:.2f} GB | {s['fp16+int8'] / 1e9:.2f} GB |")
    print(f"(ReferenceNet check: the UNet3D's spatial down+mid+conv_in+time embedding = {rt:,} params; spec: "
          f"{SPEC_PARAMS['referencenet']:,})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
