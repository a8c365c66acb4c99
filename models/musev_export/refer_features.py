"""Which ReferenceNet features exist and which ones each UNet3D down block reads (no torch needed).

Kept apart from referencenet.py / unet3d so both can import it without a cycle.
"""
from __future__ import annotations

from typing import List, Sequence, Tuple


def down_feature_specs(block_out_channels: Sequence[int], layers: int) -> List[Tuple[int, int]]:
    """(channels, level) of every down-path res sample D0.. of a 2D UNet (level = number of
    downsamplings before it)."""
    specs = [(block_out_channels[0], 0)]
    for i, c in enumerate(block_out_channels):
        specs += [(c, i)] * layers
        if i < len(block_out_channels) - 1:
            specs.append((c, i + 1))
    return specs


def refer_feature_slices(n_blocks: int, layers: int) -> List[Tuple[int, int]]:
    """(start, count) into D0.. for each UNet3D down block, as MuseV computes them
    (unet_3d_condition.py): num_block = layers_per_block + int(not is_final_block * 1), i.e.
    `not (is_final * 1)`: layers + 1 for every block but the last, layers for the last; start =
    1 + num_block * i. For the last block that is 1 + layers * i (7 for SD1.5), not 1 + (layers+1) * i:
    down_blocks.3 reads D7, D8 (the h/32 features of block 2) and D10/D11 are never used."""
    out = []
    for i in range(n_blocks):
        is_final = i == n_blocks - 1
        num_block = layers + int(not is_final * 1)
        out.append((1 + num_block * i, num_block))
    return out
