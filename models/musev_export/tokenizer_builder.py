"""Learns a small CLIP-format byte-level BPE tokenizer (vocab.json + merges.txt).

Layout follows openai/CLIP's SimpleTokenizer: vocab = the 256 bytes_to_unicode characters, the
same 256 with '</w>' appended, one token per learned merge (in merge order), then
<|startoftext|> and <|endoftext|> last. merges.txt: '#version: 0.2' then 'a b' lines.
Pre-tokenisation: lowercase, collapse whitespace, CLIP's regex (letters runs, single digits,
runs of other non-space symbols, and 's 't 're 've 'm 'll 'd contractions).
"""
from __future__ import annotations

import json
import re
from collections import Counter
from typing import Dict, List, Tuple

BOS = "<|startoftext|>"
EOS = "<|endoftext|>"

# CLIP: <\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+
# Python's re has no \p{..}: [^\W\d_] = letters, \d = digits, (?:[^\s\w]|_) = the rest.
PAT = re.compile(r"<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[^\W\d_]+|\d|(?:[^\s\w]|_)+", re.IGNORECASE)


def bytes_to_unicode() -> Dict[int, str]:
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def pre_tokenize(text: str) -> List[str]:
    text = re.sub(r"\s+", " ", text).strip().lower()
    enc = bytes_to_unicode()
    return ["".join(enc[b] for b in tok.encode("utf-8")) for tok in PAT.findall(text)]


def word_symbols(word: str) -> Tuple[str, ...]:
    return tuple(word[:-1]) + (word[-1] + "</w>",)


def learn_merges(text: str, num_merges: int) -> List[Tuple[str, str]]:
    """Greedy BPE: repeatedly merge the most frequent adjacent pair (ties: smallest pair)."""
    words = Counter(word_symbols(w) for w in pre_tokenize(text))
    merges: List[Tuple[str, str]] = []
    while len(merges) < num_merges:
        pairs: Counter = Counter()
        for sym, freq in words.items():
            for a, b in zip(sym, sym[1:]):
                pairs[(a, b)] += freq
        if not pairs:
            break
        best = min(pairs, key=lambda p: (-pairs[p], p))
        merges.append(best)
        merged: Counter = Counter()
        for sym, freq in words.items():
            out, i = [], 0
            while i < len(sym):
                if i + 1 < len(sym) and (sym[i], sym[i + 1]) == best:
                    out.append(sym[i] + sym[i + 1])
                    i += 2
                else:
                    out.append(sym[i])
                    i += 1
            merged[tuple(out)] += freq
        words = merged
    return merges


def build_vocab(merges: List[Tuple[str, str]]) -> Dict[str, int]:
    base = list(bytes_to_unicode().values())
    tokens = base + [t + "</w>" for t in base]
    seen = set(tokens)
    for a, b in merges:
        t = a + b
        if t not in seen:  # a merge may re-create an existing token; keep ids contiguous
            seen.add(t)
            tokens.append(t)
    tokens += [BOS, EOS]
    return {t: i for i, t in enumerate(tokens)}


def vocab_json(vocab: Dict[str, int]) -> bytes:
    return (json.dumps(vocab, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def merges_txt(merges: List[Tuple[str, str]]) -> bytes:
    return ("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges)).encode("utf-8")


class ClipBpe:
    """Reference encoder for tests (CLIP SimpleTokenizer semantics, no cache)."""

    def __init__(self, vocab: Dict[str, int], merges: List[Tuple[str, str]]):
        self.vocab = vocab
        self.merges = list(merges)
        self.ranks = {m: i for i, m in enumerate(merges)}

    def bpe(self, word: str) -> List[str]:
        sym = list(word_symbols(word))
        while len(sym) > 1:
            pairs = [(self.ranks.get((a, b), 1 << 30), i) for i, (a, b) in enumerate(zip(sym, sym[1:]))]
            rank, _ = min(pairs)
            if rank == 1 << 30:
                break
            a, b = self.merges[rank]
            out, i = [], 0
            while i < len(sym):
                if i + 1 < len(sym) and sym[i] == a and sym[i + 1] == b:
                    out.append(a + b)
                    i += 2
                else:
                    out.append(sym[i])
                    i += 1
            sym = out
        return sym

    def encode(self, text: str, max_length: int = 77) -> List[int]:
        ids = [self.vocab[t] for w in pre_tokenize(text) for t in self.bpe(w)]
        ids = [self.vocab[BOS]] + ids[: max_length - 2] + [self.vocab[EOS]]
        return ids + [self.vocab[EOS]] * (max_length - len(ids))
