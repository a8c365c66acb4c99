"""Shared fixtures: the tiny models and one tiny pack exported into a temp folder per session."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

MODELS_DIR = Path(__file__).resolve().parents[1]
REPO = MODELS_DIR.parent
for p in (str(MODELS_DIR), str(Path(__file__).resolve().parent)):
    if p not in sys.path:
        sys.path.insert(0, p)

torch.set_num_threads(2)

from musev_export.pack_writer import write_pack  # noqa: E402
from musev_export.presets import TINY_PACK, TINY_REFERENCENET_PACK, tiny_models  # noqa: E402


@pytest.fixture(scope="session")
def tiny():
    return tiny_models()


@pytest.fixture(scope="session")
def tiny_pack(tiny, tmp_path_factory):
    """(pack_dir, manifest) of a fresh tiny export, written from the `tiny` models."""
    out = tmp_path_factory.mktemp("packs") / "tiny-musev"
    manifest, _ = write_pack(tiny, out, TINY_PACK)
    return out, manifest


@pytest.fixture(scope="session")
def committed_pack_dir():
    return REPO / "public" / "packs" / "tiny-musev"


@pytest.fixture(scope="session")
def tiny_ref():
    """The tiny musev_referencenet models (UNet3D, ReferenceNet2D, ImageProjModel, CLIP vision)."""
    return tiny_models("musev_referencenet")


@pytest.fixture(scope="session")
def tiny_ref_pack(tiny_ref, tmp_path_factory):
    """(pack_dir, manifest) of a fresh tiny-musev-referencenet export."""
    out = tmp_path_factory.mktemp("packs") / "tiny-musev-referencenet"
    manifest, _ = write_pack(tiny_ref, out, TINY_REFERENCENET_PACK)
    return out, manifest


@pytest.fixture(scope="session")
def committed_ref_pack_dir():
    return REPO / "public" / "packs" / "tiny-musev-referencenet"
