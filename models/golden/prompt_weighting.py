"""Golden prompt weighting for src/core/promptWeighting.ts, src/core/weightedEmbeddings.ts and
src/pipeline/encodePrompt.ts.

A re-statement (own code) of MuseV's musev/utils/text_emb_util.py, which is the diffusers community
lpw_stable_diffusion.py at 20e92586: parse_prompt_attention, get_prompts_with_weights,
pad_tokens_and_weights, get_unweighted_text_embeddings, get_weighted_text_embeddings (with
max_embeddings_multiples=3, no_boseos_middle=False, the call of encode_weighted_prompt) and the final
cat([negative, prompt]).
- Tokenizer: the tiny CLIP vocabulary of src/core/__fixtures__/clip-tiny through the BPE
  re-statement in clip_tokenizer.py, plus textual-inversion tokens added the way transformers 4.33's
  slow PreTrainedTokenizer.tokenize treats non-special added tokens: the raw text is split on them
  first (case-sensitive, leftmost-longest, no whole-word rule), the pieces between go through CLIP's
  own normalisation and BPE. `pipe.tokenizer(word).input_ids` = [BOS] + ids + [EOS].
- Text encoder: a toy, causal so that the exact 77-id rows matter:
      E[row, l, d] = sin(0.01 * id_l * (d + 1)) + 0.001 * l + 0.3 + 1e-4 * ((id_0 + ... + id_l) % 1000)
  computed in float64, cast to float32; the weighting runs on float32 torch tensors like MuseV's fp32 path.
Run: /usr/bin/python3 models/golden/prompt_weighting.py -> src/core/__golden__/prompt_weighting.json
"""
import json
import math
import os
import re
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from clip_tokenizer import FIXTURE_DIR, V2, ClipReference  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "src", "core", "__golden__", "prompt_weighting.json")
CHUNK = 77
D = 4
V4 = "badhandv4,ng_deepnegative_v1_75t,EasyNegativeV2,bad_prompt_version2-neg,bad quality"
TI_TOKENS = ["badhandv4", "ng_deepnegative_v1_75t", "EasyNegativeV2", "bad_prompt_version2-neg"]

# ---- parse_prompt_attention -------------------------------------------------------------------

ATTENTION = re.compile(
    r"\\\(|\\\)|\\\[|\\]|\\\\|\\|\(|\[|:([+-]?[.\d]+)\)|\)|]|[^\\()\[\]:]+|:"
)


def parse_prompt_attention(text):
    res = []
    round_open, square_open = [], []

    def scale_from(start, factor):
        for p in range(start, len(res)):
            res[p][1] *= factor

    for m in ATTENTION.finditer(text):
        piece, weight = m.group(0), m.group(1)
        if piece.startswith("\\"):
            res.append([piece[1:], 1.0])
        elif piece == "(":
            round_open.append(len(res))
        elif piece == "[":
            square_open.append(len(res))
        elif weight is not None and round_open:
            scale_from(round_open.pop(), float(weight))
        elif piece == ")" and round_open:
            scale_from(round_open.pop(), 1.1)
        elif piece == "]" and square_open:
            scale_from(square_open.pop(), 1 / 1.1)
        else:
            res.append([piece, 1.0])
    for start in round_open:
        scale_from(start, 1.1)
    for start in square_open:
        scale_from(start, 1 / 1.1)
    if not res:
        res = [["", 1.0]]
    i = 0
    while i + 1 < len(res):
        if res[i][1] == res[i + 1][1]:
            res[i][0] += res[i + 1][0]
            res.pop(i + 1)
        else:
            i += 1
    return res


# ---- tokenizer with added tokens ----------------------------------------------------------------

class Tokenizer:
    def __init__(self, added):
        with open(os.path.join(FIXTURE_DIR, "vocab.json"), encoding="utf-8") as f:
            vocab = json.load(f)
        with open(os.path.join(FIXTURE_DIR, "merges.txt"), encoding="utf-8") as f:
            merges = [tuple(line.split(" ")) for line in f.read().split("\n")[1:] if line]
        self.ref = ClipReference(vocab, merges)
        self.bos = vocab["<|startoftext|>"]
        self.eos = vocab["<|endoftext|>"]
        self.pad = self.eos
        self.added = dict(added)

    def split_added(self, text):
        """Leftmost-longest split on the added tokens, case-sensitive, on the raw text."""
        out, i, start = [], 0, 0
        while i < len(text):
            hit = max((t for t in self.added if text.startswith(t, i)), key=len, default=None)
            if hit is None:
                i += 1
                continue
            if start < i:
                out.append(text[start:i])
            out.append(hit)
            i += len(hit)
            start = i
        if start < len(text):
            out.append(text[start:])
        return out

    def __call__(self, text):
        ids = []
        for piece in self.split_added(text):
            if piece in self.added:
                ids.append(self.added[piece])
            else:
                ids.extend(self.ref.encode(piece.strip()))
        return [self.bos] + ids + [self.eos]


# ---- lpw: tokens, padding, chunked encoding, weighting --------------------------------------------

def get_prompts_with_weights(tok, prompts, max_length):
    tokens, weights, truncated = [], [], []
    for text in prompts:
        text_token, text_weight, cut = [], [], False
        for word, weight in parse_prompt_attention(text):
            token = tok(word)[1:-1]
            text_token += token
            text_weight += [weight] * len(token)
            if len(text_token) > max_length:
                cut = True
                break
        if len(text_token) > max_length:
            cut = True
            text_token, text_weight = text_token[:max_length], text_weight[:max_length]
        tokens.append(text_token)
        weights.append(text_weight)
        truncated.append(cut)
    return tokens, weights, truncated


def pad_tokens_and_weights(tokens, weights, max_length, bos, eos, pad, chunk_length=CHUNK):
    """no_boseos_middle=False branch."""
    multiples = (max_length - 2) // (chunk_length - 2)
    weights_length = multiples * chunk_length
    out_t, out_w = [], []
    for t, w in zip(tokens, weights):
        out_t.append([bos] + t + [pad] * (max_length - 1 - len(t) - 1) + [eos])
        if not w:
            ww = [1.0] * weights_length
        else:
            ww = []
            for j in range(multiples):
                ww.append(1.0)
                ww += w[j * (chunk_length - 2): min(len(w), (j + 1) * (chunk_length - 2))]
                ww.append(1.0)
            ww += [1.0] * (weights_length - len(ww))
        out_w.append(ww)
    return out_t, out_w


def toy_text_encoder(rows):
    """rows (B, 77) int -> (B, 77, D) float32."""
    ids = np.asarray(rows, dtype=np.int64)
    B, L = ids.shape
    out = np.empty((B, L, D), dtype=np.float64)
    csum = np.cumsum(ids, axis=1) % 1000
    for b in range(B):
        for l in range(L):
            for d in range(D):
                out[b, l, d] = math.sin(0.01 * int(ids[b, l]) * (d + 1)) + 0.001 * l + 0.3 + 1e-4 * int(csum[b, l])
    return torch.from_numpy(out.astype(np.float32))


def get_unweighted_text_embeddings(text_input, chunk_length=CHUNK):
    multiples = (text_input.shape[1] - 2) // (chunk_length - 2)
    rows = []
    if multiples > 1:
        embs = []
        for i in range(multiples):
            chunk = text_input[:, i * (chunk_length - 2): (i + 1) * (chunk_length - 2) + 2].clone()
            chunk[:, 0] = text_input[0, 0]
            chunk[:, -1] = text_input[0, -1]
            rows.append(chunk[0].tolist())
            embs.append(toy_text_encoder(chunk.tolist()))
        return torch.concat(embs, axis=1), rows
    rows.append(text_input[0].tolist())
    return toy_text_encoder(text_input.tolist()), rows


def weighting(emb, w):
    prev = emb.float().mean(axis=[-2, -1]).to(emb.dtype)
    emb = emb * w.unsqueeze(-1)
    cur = emb.float().mean(axis=[-2, -1]).to(emb.dtype)
    return emb * (prev / cur).unsqueeze(-1).unsqueeze(-1)


def weighted_embeddings(tok, prompt, uncond, max_multiples=3):
    max_length = (CHUNK - 2) * max_multiples + 2
    p_tok, p_w, p_cut = get_prompts_with_weights(tok, [prompt], max_length - 2)
    if uncond is not None:
        u_tok, u_w, u_cut = get_prompts_with_weights(tok, [uncond], max_length - 2)
    longest = max(len(t) for t in p_tok)
    if uncond is not None:
        longest = max(longest, max(len(t) for t in u_tok))
    k = max(1, min(max_multiples, (longest - 1) // (CHUNK - 2) + 1))
    max_length = (CHUNK - 2) * k + 2
    sides = [("prompt", p_tok, p_w, p_cut)] + ([("negative", u_tok, u_w, u_cut)] if uncond is not None else [])
    res = {"chunks": k, "sides": {}}
    embs = {}
    for name, t, w, cut in sides:
        ids, ww = pad_tokens_and_weights([list(t[0])], [list(w[0])], max_length, tok.bos, tok.eos, tok.pad)
        emb, rows = get_unweighted_text_embeddings(torch.tensor(ids, dtype=torch.long))
        emb = weighting(emb, torch.tensor(ww, dtype=emb.dtype))
        embs[name] = emb
        res["sides"][name] = dict(tokens=t[0], tokenWeights=w[0], truncated=cut[0], ids=ids[0], rows=rows, weights=ww[0])
    final = torch.cat([embs["negative"], embs["prompt"]]) if uncond is not None else embs["prompt"]
    res["shape"] = list(final.shape)
    res["embeddings"] = [float("%.9g" % v) for v in final.flatten().tolist()]
    return res


# ---- table ------------------------------------------------------------------------------------

EXAMPLE = "(masterpiece, best quality, highres:1),(1girl, solo:1),(eye blinks:{eye_blinks_factor}),(head wave:1.3)"
LONG = ", ".join(f"(portrait {i % 10}:1.{i % 7}) soft light, [detailed face]" for i in range(38))

PARSE_CASES = [
    "normal text",
    "an (important) word",
    "(unbalanced",
    "\\(literal\\]",
    "(unnecessary)(parens)",
    "a (((house:1.3)) [on] a (hill:0.5), sun, (((sky))).",
    "((a (b:1.5)))",
    "[x]",
    "[[x]] and [(y)]",
    "(x: 1.5)",
    "(x:1.5",
    "x:1.5)",
    "unbalanced ) and ] closers",
    "(a [b (c:0.5) d] e",
    "a\\",
    "\\\\ backslash \\x",
    "(neg:-1) (plus:+.5) (dot:2.)",
    "(a:0)",
    "()",
    "[]",
    ":",
    "a BREAK b",
    "",
    EXAMPLE.replace("{eye_blinks_factor}", "1.8"),
    V2,
]

EMB_CASES = [
    ("example 1.8 + V2", EXAMPLE.replace("{eye_blinks_factor}", "1.8"), V2, True),
    ("example 3.0 + V2", EXAMPLE.replace("{eye_blinks_factor}", "3.0"), V2, True),
    ("nested", "((a (b:1.5)))", "", True),
    ("square", "[x]", "", True),
    ("escaped", "\\(literal\\] and \\\\ backslash", "", True),
    ("unbalanced", "(unbalanced [open", "(((", True),
    ("empty", "", "", True),
    ("long 300+ truncated", LONG, "", True),
    ("short prompt + long negative", "a girl is smiling", V2, True),
    ("V4 textual inversion", "a portrait", V4, True),
    ("TI case and substrings", "BadHandV4 xbadhandv4y ng_deepnegative_v1_75t_1", "", True),
    ("75 tokens", "a " * 75, "", True),
    ("76 tokens", "a " * 76, "", True),
    ("225 tokens", "(a:1.2) " * 225, "", True),
    ("226 tokens", "(a:1.2) " * 226, "", True),
    ("no cfg, long prompt", "[a girl] " * 40, None, False),
]


def main():
    added = [(t, 903 + i) for i, t in enumerate(TI_TOKENS)]
    tok = Tokenizer(added)
    parse = [dict(text=t, segments=parse_prompt_attention(t)) for t in PARSE_CASES]
    cases = []
    for name, prompt, neg, do_cfg in EMB_CASES:
        c = dict(name=name, prompt=prompt, negativePrompt=neg if neg is not None else "", doCfg=do_cfg)
        c.update(weighted_embeddings(tok, prompt, neg if do_cfg else None))
        cases.append(c)
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(dict(source="models/golden/prompt_weighting.py (lpw_stable_diffusion as in MuseV text_emb_util.py)",
                       dim=D, addedTokens=[dict(token=t, id=i) for t, i in added], parse=parse, cases=cases),
                  f, ensure_ascii=False)
    for c in cases:
        sides = c["sides"]
        print(f"{c['name']:32s} k={c['chunks']} prompt {len(sides['prompt']['tokens'])} tok"
              + (f", negative {len(sides['negative']['tokens'])} tok" if "negative" in sides else "")
              + (" TRUNC" if sides["prompt"]["truncated"] else "") + f" shape {c['shape']}")


if __name__ == "__main__":
    main()
