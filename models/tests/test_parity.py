"""PyTorch module vs exported ONNX graph (onnxruntime-node, CPU) on the same random inputs, at
shapes different from the export example (batch 2-3, frames 4, 16x16, 7 tokens), so the dynamic
axes are exercised. Tolerance: max abs diff <= 1e-4."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from onnx_runner import run_onnx

TOL = 1e-4


def _check(name, ref: torch.Tensor, out: np.ndarray):
    ref = ref.detach().numpy()
    assert out.shape == ref.shape, f"{name}: shape {out.shape} vs {ref.shape}"
    assert np.isfinite(out).all()
    diff = float(np.abs(out - ref).max())
    print(f"{name}: max abs diff {diff:.3g} (max |ref| {np.abs(ref).max():.3g})")
    assert diff <= TOL, f"{name}: max abs diff {diff}"
    assert float(np.abs(ref).std()) > 1e-3  # non-degenerate


def test_text_encoder_parity(tiny, tiny_pack):
    pack, _ = tiny_pack
    vocab = tiny.text_encoder.config["vocab_size"]
    ids = torch.randint(0, vocab, (3, 77), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        ref = tiny.text_encoder(ids)
    out = run_onnx(pack / "text_encoder.onnx", {"input_ids": ids.numpy()})["last_hidden_state"]
    _check("text_encoder", ref, out)


def test_vae_encoder_parity(tiny, tiny_pack):
    pack, _ = tiny_pack
    image = torch.rand(1, 3, 48, 80, generator=torch.Generator().manual_seed(2)) * 2 - 1
    with torch.no_grad():
        ref = tiny.vae.encode_mean(image)
    out = run_onnx(pack / "vae_encoder.onnx", {"image": image.numpy()})["latent_mean"]
    assert out.shape == (1, 4, 6, 10)
    _check("vae_encoder", ref, out)


def test_vae_decoder_parity(tiny, tiny_pack):
    pack, _ = tiny_pack
    latent = torch.randn(3, 4, 6, 10, generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        ref = tiny.vae.decode(latent)
    out = run_onnx(pack / "vae_decoder.onnx", {"latent": latent.numpy()})["image"]
    assert out.shape == (3, 3, 48, 80)
    _check("vae_decoder", ref, out)


@pytest.mark.parametrize(
    "batch,frames,h,w,seq,t",
    [
        (2, 3, 24, 8, 10, 957.0),  # cond + 2 frames, CFG-sized batch, non-square latents
        (1, 1, 8, 16, 77, 1.0),  # cond frame alone (first-frame style call)
    ],
)
def test_unet_parity(tiny, tiny_pack, batch, frames, h, w, seq, t):
    pack, _ = tiny_pack
    g = torch.Generator().manual_seed(4)
    sample = torch.randn(batch, 4, frames, h, w, generator=g)
    timestep = torch.tensor([t], dtype=torch.float32)
    context = torch.randn(batch, seq, tiny.unet.config["cross_attention_dim"], generator=g)
    frame_index = torch.arange(frames, dtype=torch.int64)
    with torch.no_grad():
        ref = tiny.unet(sample, timestep, context, frame_index)
    out = run_onnx(
        pack / "unet.onnx",
        {"sample": sample.numpy(), "timestep": timestep.numpy(), "encoder_hidden_states": context.numpy(), "frame_index": frame_index.numpy()},
    )["noise_pred"]
    _check(f"unet b{batch} t{frames} {h}x{w} seq{seq}", ref, out)


def test_unet_spatial_parity(tiny, tiny_pack):
    """unet_spatial (T = 1, first-frame generation) against the UNet run with skip_temporal=True."""
    pack, _ = tiny_pack
    g = torch.Generator().manual_seed(7)
    sample = torch.randn(2, 4, 1, 16, 24, generator=g)
    timestep = torch.tensor([964.55], dtype=torch.float32)
    context = torch.randn(2, 12, tiny.unet.config["cross_attention_dim"], generator=g)
    frame_index = torch.zeros(1, dtype=torch.int64)
    with torch.no_grad():
        ref = tiny.unet(sample, timestep, context, frame_index, skip_temporal=True)
    out = run_onnx(
        pack / "unet_spatial.onnx",
        {"sample": sample.numpy(), "timestep": timestep.numpy(), "encoder_hidden_states": context.numpy(), "frame_index": frame_index.numpy()},
    )["noise_pred"]
    _check("unet_spatial b2 t1 16x24", ref, out)
