"""Textual-inversion (TI) files baked into the text encoder (spec §2.3).

MuseV loads every file of `checkpoints/embedding/` with diffusers' `load_textual_inversion`
(token = file stem). Its weighted-prompt tokenizer calls the tokenizer directly, without
`maybe_convert_prompt`, so only vector 0 of a multi-vector embedding is ever used, as ONE token.
We do the same: each file's vector 0 becomes a new row of
`text_model.embeddings.token_embedding.weight` (files in sorted name order, ids vocab_size,
vocab_size + 1, ...), and the pack's manifest lists them as `tokenizer.addedTokens`
(vocab.json is left as it is; the app's tokenizer matches added tokens before BPE).

Formats read:
  - A1111 `.pt` / `.bin`: `{'string_to_param': {'*': tensor (n, D)}, ...}` ('string_to_token', 'name' ignored)
  - diffusers `.bin` / `.pt`: `{token: tensor (D,) or (n, D)}` (one entry)
  - `.safetensors`: `emb_params` (n, D), or a single tensor
Any dtype (fp16 / bf16 / fp32) is read as float32.
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Optional, Tuple

import torch
from torch import nn

TI_SUFFIXES = (".pt", ".bin", ".safetensors")


class TextualInversionError(ValueError):
    pass


def _vector0(path: Path, t) -> torch.Tensor:
    if not isinstance(t, torch.Tensor) or t.dim() not in (1, 2) or t.numel() == 0:
        shape = tuple(t.shape) if isinstance(t, torch.Tensor) else type(t).__name__
        raise TextualInversionError(f"textual-inversion file {path}: expected a (D,) or (n, D) tensor, got {shape}")
    return (t if t.dim() == 1 else t[0]).detach().to(torch.float32).clone()


def read_ti_vector(path: str | Path) -> torch.Tensor:
    """Vector 0 (float32, shape (D,)) of one TI file; TextualInversionError naming the file otherwise."""
    path = Path(path)
    try:
        if path.suffix == ".safetensors":
            from .checkpoints import read_safetensors

            obj = read_safetensors(path)
        else:
            obj = torch.load(path, map_location="cpu")
    except TextualInversionError:
        raise
    except Exception as e:  # noqa: BLE001 - any unreadable file is reported by name
        raise TextualInversionError(f"textual-inversion file {path}: cannot be read ({type(e).__name__}: {e})") from e
    if isinstance(obj, torch.Tensor):
        return _vector0(path, obj)
    if not isinstance(obj, dict):
        raise TextualInversionError(f"textual-inversion file {path}: unknown format ({type(obj).__name__})")
    if "string_to_param" in obj:  # A1111
        params = obj["string_to_param"]
        if not isinstance(params, dict) or not params:
            raise TextualInversionError(f"textual-inversion file {path}: empty 'string_to_param'")
        return _vector0(path, params["*"] if "*" in params else next(iter(params.values())))
    if "emb_params" in obj:  # A1111 safetensors
        return _vector0(path, obj["emb_params"])
    tensors = {k: v for k, v in obj.items() if isinstance(v, torch.Tensor)}
    if len(tensors) == 1:  # diffusers {token: tensor} / a single-tensor safetensors
        return _vector0(path, next(iter(tensors.values())))
    raise TextualInversionError(
        f"textual-inversion file {path}: unknown format (keys {sorted(map(str, obj))[:10]}; expected "
        "'string_to_param', 'emb_params' or a single tensor)")


def ti_files(folder: str | Path) -> List[Path]:
    """The TI files of a folder (.pt / .bin / .safetensors, not hidden), sorted by file name."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted((p for p in folder.iterdir() if p.is_file() and p.suffix in TI_SUFFIXES and not p.name.startswith(".")),
                  key=lambda p: p.name)


def read_ti_folder(folder: str | Path) -> List[Tuple[Path, str, torch.Tensor]]:
    """[(file, token = file stem, vector 0)] in sorted file-name order; duplicate tokens are an error."""
    out, seen = [], {}
    for path in ti_files(folder):
        token = path.stem
        if token in seen:
            raise TextualInversionError(f"textual-inversion files {seen[token].name} and {path.name} give the same token {token!r}")
        seen[token] = path
        out.append((path, token, read_ti_vector(path)))
    return out


def add_textual_inversion(text_encoder, vocab: Dict[str, int],
                          items: List[Tuple[Path, str, torch.Tensor]]) -> List[Dict[str, object]]:
    """Append each item's vector as a new row of the token embedding table (in place; the config's
    vocab_size grows with it). Returns the manifest's addedTokens [{token, id}]."""
    if not items:
        return []
    emb = text_encoder.text_model.embeddings.token_embedding
    old, dim = emb.weight.shape
    hidden = text_encoder.config["hidden_size"]
    for path, token, vec in items:
        if vec.shape != (hidden,):
            raise TextualInversionError(
                f"textual-inversion file {path}: embedding size {vec.shape[-1]} != the text encoder's hidden size {hidden}")
        if token in vocab:
            raise TextualInversionError(f"textual-inversion file {path}: token {token!r} is already in the tokenizer vocab")
    if vocab and max(vocab.values()) >= old:
        raise TextualInversionError(f"the tokenizer vocab has ids >= the embedding table size {old}")
    weight = torch.cat([emb.weight.detach(), torch.stack([v.to(emb.weight.dtype) for _, _, v in items])], dim=0)
    new = nn.Embedding(old + len(items), dim)
    with torch.no_grad():
        new.weight.copy_(weight)
    text_encoder.text_model.embeddings.token_embedding = new
    text_encoder.config["vocab_size"] = old + len(items)
    return [{"token": token, "id": old + i} for i, (_, token, _) in enumerate(items)]


def apply_embedding_folder(models, folder: Optional[str | Path]) -> List[Path]:
    """Bake every TI file of `folder` (if any) into models.text_encoder and set models.added_tokens.
    Returns the files used."""
    if folder is None:
        return []
    items = read_ti_folder(folder)
    models.added_tokens = add_textual_inversion(models.text_encoder, models.vocab, items)
    return [p for p, _, _ in items]
