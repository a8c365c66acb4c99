"""The demo tokenizer files follow CLIP's layout and encode prompts sensibly."""
from __future__ import annotations

import json

from musev_export.tokenizer_builder import BOS, EOS, ClipBpe, bytes_to_unicode, pre_tokenize


def load(pack):
    vocab = json.loads((pack / "tokenizer" / "vocab.json").read_text(encoding="utf-8"))
    lines = (pack / "tokenizer" / "merges.txt").read_text(encoding="utf-8").split("\n")
    return vocab, lines


def test_vocab_layout(tiny_pack):
    vocab, lines = load(tiny_pack[0])
    by_id = sorted(vocab, key=vocab.get)
    assert sorted(vocab.values()) == list(range(len(vocab)))  # contiguous ids
    base = list(bytes_to_unicode().values())
    assert by_id[:256] == base
    assert by_id[256:512] == [b + "</w>" for b in base]
    assert by_id[-2:] == [BOS, EOS]
    assert lines[0] == "#version: 0.2" and lines[-1] == ""
    merges = [tuple(line.split(" ")) for line in lines[1:-1]]
    assert 300 <= len(merges) <= 500
    assert all(len(m) == 2 and m[0] + m[1] in vocab for m in merges)
    assert len(vocab) == 512 + len({a + b for a, b in merges} - set(by_id[:512])) + 2


def test_encode_prompt(tiny_pack, tiny):
    vocab, lines = load(tiny_pack[0])
    merges = [tuple(line.split(" ")) for line in lines[1:-1]]
    bpe = ClipBpe(vocab, merges)
    ids = bpe.encode("A girl smiling, eye blinks, masterpiece, best quality")
    inv = {i: t for t, i in vocab.items()}
    words = [inv[i] for i in ids if i != vocab[EOS]]
    assert words == [BOS, "a</w>", "girl</w>", "smiling</w>", ",</w>", "eye</w>", "blinks</w>", ",</w>",
                     "masterpiece</w>", ",</w>", "best</w>", "quality</w>"]
    assert len(ids) == 77 and ids[-1] == vocab[EOS]
    assert max(bpe.encode("zebra 123 (ünïcode:1.2)")) < tiny.text_encoder.config["vocab_size"]


def test_pre_tokenize_matches_clip_rules():
    enc = bytes_to_unicode()
    assert pre_tokenize("(Eye   blinks:1.8)") == ["(", "eye", "blinks", ":", "1", ".", "8", ")"]
    assert pre_tokenize("it's") == ["it", "'s"]
    assert pre_tokenize("é") == ["".join(enc[b] for b in "é".encode())]
