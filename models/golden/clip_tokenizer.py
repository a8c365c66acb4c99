"""Tiny CLIP BPE fixture + golden token ids for src/core/clipTokenizer.ts.

1. Learns a small CLIP-style BPE vocabulary (byte-level symbols, `</w>` on the last symbol of a
   word) from a fixed corpus and writes it in CLIP's file format:
     src/core/__fixtures__/clip-tiny/vocab.json   token -> id, ordered like CLIP:
        256 byte symbols, the same + '</w>', one entry per merge, <|startoftext|>, <|endoftext|>
     src/core/__fixtures__/clip-tiny/merges.txt   '#version: 0.2' then 'a b' per line, by rank
2. Encodes a table of prompts with an independent re-statement of OpenAI CLIP's
   simple_tokenizer (bytes_to_unicode, pre-tokenizer regex, ranked BPE), using the normalisation
   of Hugging Face's fast CLIP tokenizer (NFC, collapse whitespace, lowercase; no ftfy/html
   unescape), and writes src/core/__golden__/clip_tokenizer.json.
The pre-tokenizer regex
    <|startoftext|>|<|endoftext|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+
is evaluated by a hand-written scanner over unicodedata categories (the `regex` module is not
available to /usr/bin/python3).
Run: /usr/bin/python3 models/golden/clip_tokenizer.py
"""
import collections
import json
import os
import sys
import unicodedata

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from musev_export.tokenizer_builder import bytes_to_unicode  # noqa: E402  (CLIP's byte alphabet, one copy)

HERE = os.path.dirname(__file__)
ROOT = os.path.join(HERE, "..", "..")
FIXTURE_DIR = os.path.join(ROOT, "src", "core", "__fixtures__", "clip-tiny")
GOLDEN = os.path.join(ROOT, "src", "core", "__golden__", "clip_tokenizer.json")
N_MERGES = 600

V1 = ("nsfw, lowres, bad anatomy, bad hands, text, error, missing fingers, extra digit, fewer digits, cropped, "
      "worst quality, low quality, normal quality, jpeg artifacts, signature, watermark, username, blurry, tail, watermarks")
V2 = ("badhandv4, ng_deepnegative_v1_75t, (((multiple heads))), (((bad body))), (((two people))), ((extra arms)), "
      "((deformed body)), (((sexy))), paintings,(((two heads))), ((big head)),sketches, (worst quality:2), "
      "(low quality:2), (normal quality:2), lowres, ((monochrome)), ((grayscale)), skin spots, acnes, skin blemishes, "
      "age spot, glans, (((nsfw))), nipples, extra fingers, (extra legs), (long neck), mutated hands, (fused fingers), "
      "(too many fingers)")

CORPUS = " ".join([
    V1, V2,
    "(masterpiece, best quality, highres:1),(1girl, solo:1),(eye blinks:1.8),(head wave:1.3)",
    "a portrait of a young woman smiling at the camera, soft light, detailed face, looking at viewer",
    "a girl is dancing in the street; the boy is singing. they're happy and it's a sunny day.",
    "best quality, high quality, masterpiece, realistic photo, upper body, long hair, short hair, blue eyes",
    "static video, camera is still, the person blinks and smiles, the wind moves her hair gently",
    "we'll see what you've done, I'm sure he'd like it, don't worry, isn't it nice?",
    "numbers like 2024 and 3.14 and 1,000 appear here. café naïve résumé",
] * 3)


BYTE_ENCODER = bytes_to_unicode()
SPECIALS = ["<|startoftext|>", "<|endoftext|>"]
CONTRACTIONS = ["s", "t", "re", "ve", "m", "ll", "d"]


def is_letter(ch):
    return unicodedata.category(ch).startswith("L")


def is_number(ch):
    return unicodedata.category(ch).startswith("N")


def pre_tokenize(text):
    """findall of CLIP's pattern (alternatives tried in order at each position)."""
    out, i, n = [], 0, len(text)
    while i < n:
        special = next((s for s in SPECIALS if text.startswith(s, i)), None)
        if special:
            out.append(special)
            i += len(special)
            continue
        if text[i] == "'":
            c = next((c for c in CONTRACTIONS if text.startswith(c, i + 1)), None)
            if c:
                out.append("'" + c)
                i += 1 + len(c)
                continue
        ch = text[i]
        if is_letter(ch):
            j = i
            while j < n and is_letter(text[j]):
                j += 1
            out.append(text[i:j])
            i = j
        elif is_number(ch):
            out.append(ch)
            i += 1
        elif ch.isspace():
            i += 1
        else:
            j = i
            while j < n and not (text[j].isspace() or is_letter(text[j]) or is_number(text[j])):
                j += 1
            out.append(text[i:j])
            i = j
    return out


def normalize(text):
    """Hugging Face fast CLIP normaliser: NFC, \\s+ -> ' ', lowercase (then strip, as CLIP does)."""
    text = unicodedata.normalize("NFC", text)
    text = " ".join(text.split())
    return text.lower()


def byte_symbols(token):
    return "".join(BYTE_ENCODER[b] for b in token.encode("utf-8"))


def learn_merges(corpus, n_merges):
    words = collections.Counter(byte_symbols(t) for t in pre_tokenize(normalize(corpus)) if t not in SPECIALS)
    splits = {w: tuple(w[:-1]) + (w[-1] + "</w>",) for w in words}
    merges = []
    for _ in range(n_merges):
        pairs = collections.Counter()
        for w, syms in splits.items():
            for a, b in zip(syms, syms[1:]):
                pairs[(a, b)] += words[w]
        if not pairs:
            break
        best = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))[0]  # count, then lexicographic: deterministic
        merges.append(best)
        for w, syms in splits.items():
            out, i = [], 0
            while i < len(syms):
                if i < len(syms) - 1 and (syms[i], syms[i + 1]) == best:
                    out.append(syms[i] + syms[i + 1])
                    i += 2
                else:
                    out.append(syms[i])
                    i += 1
            splits[w] = tuple(out)
    return merges


class ClipReference:
    """OpenAI CLIP simple_tokenizer's BPE, re-stated."""

    def __init__(self, vocab, merges):
        self.encoder = vocab
        self.bpe_ranks = {m: i for i, m in enumerate(merges)}
        self.cache = {s: s for s in SPECIALS}

    def bpe(self, token):
        if token in self.cache:
            return self.cache[token]
        word = tuple(token[:-1]) + (token[-1] + "</w>",)
        pairs = set(zip(word, word[1:]))
        if not pairs:
            return token + "</w>"
        while True:
            bigram = min(pairs, key=lambda p: self.bpe_ranks.get(p, float("inf")))
            if bigram not in self.bpe_ranks:
                break
            first, second = bigram
            new_word, i = [], 0
            while i < len(word):
                try:
                    j = word.index(first, i)
                    new_word.extend(word[i:j])
                    i = j
                except ValueError:
                    new_word.extend(word[i:])
                    break
                if word[i] == first and i < len(word) - 1 and word[i + 1] == second:
                    new_word.append(first + second)
                    i += 2
                else:
                    new_word.append(word[i])
                    i += 1
            word = tuple(new_word)
            if len(word) == 1:
                break
            pairs = set(zip(word, word[1:]))
        out = " ".join(word)
        self.cache[token] = out
        return out

    def encode(self, text):
        ids = []
        for token in pre_tokenize(normalize(text)):
            if token in SPECIALS:
                ids.append(self.encoder[token])
                continue
            ids.extend(self.encoder[t] for t in self.bpe(byte_symbols(token)).split(" "))
        return ids


PROMPTS = [
    "a girl is smiling",
    "(masterpiece, best quality, highres:1),(1girl, solo:1),(eye blinks:1.8)",
    V2,
    V1,
    "static video, " + V2,
    "Hello, World!!!",
    "it's a dog's life, isn't it? we'll see, they're here, I'm ok, you've, he'd",
    "IT'S LOUD, DON'T SHOUT",
    "  multiple   spaces\tand\ttabs\nand newlines  ",
    "numbers 12345 and 3.14159 and 1,000,000",
    "Café naïve résumé",
    "Cafe\u0301 composed by NFC",
    "日本語のテキスト and 中文",
    "emoji 😀 test 🎉🎉",
    "UPPER lower MiXeD",
    "",
    "a",
    "symbols: @#$%^&*()_+-=[]{}|;':\",./<>?`~",
    "don't stop—em-dash – en-dash … ellipsis",
    "a\u00a0b\u3000c",
    "a portrait of a young woman smiling at the camera, soft light, detailed face, " * 6,
    "1girl, solo, upper body, looking at viewer, (eye blinks:1.8), (head wave:1.3)",
    "hello <|endoftext|> world",
]


def main():
    merges = learn_merges(CORPUS, N_MERGES)
    base = list(BYTE_ENCODER.values())
    vocab_list = base + [v + "</w>" for v in base] + ["".join(m) for m in merges] + SPECIALS
    assert len(set(vocab_list)) == len(vocab_list), "duplicate vocab entries"
    vocab = {tok: i for i, tok in enumerate(vocab_list)}
    os.makedirs(FIXTURE_DIR, exist_ok=True)
    with open(os.path.join(FIXTURE_DIR, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(os.path.join(FIXTURE_DIR, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "\n".join(" ".join(m) for m in merges) + "\n")
    ref = ClipReference(vocab, merges)
    cases = [dict(text=p, ids=ref.encode(p)) for p in PROMPTS]
    with open(GOLDEN, "w", encoding="utf-8") as f:
        json.dump(dict(source="models/golden/clip_tokenizer.py (OpenAI CLIP BPE re-stated, HF fast normaliser)",
                       bos=vocab["<|startoftext|>"], eos=vocab["<|endoftext|>"], cases=cases), f, ensure_ascii=False)
    print("vocab", len(vocab), "merges", len(merges), "cases", len(cases))
    for c in cases[:3]:
        print(len(c["ids"]), c["text"][:60])


if __name__ == "__main__":
    main()
