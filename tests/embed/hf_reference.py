#!/usr/bin/python3
"""NumPy reference for semdex's Hugging Face encoders (src/embed/hf_encoder.h), run by
tests/embed/hf_encoder_test.cc. Independent of the C++: written from the published architectures
(jinaai's jina-bert-v2-qk-post-norm and jina-bert-implementation modeling code as mirrored by
llama.cpp's src/models/bert.cpp and text-embeddings-inference; transformers' BertModel), in float64.

  hf_reference.py make-models FIXTURES_DIR OUT_DIR
      Writes tiny random-weight models (fixed seeds) in the exact Hugging Face layout, one folder
      each: config.json, model.safetensors (written by hand: no safetensors package needed),
      tokenizer.json (copied from FIXTURES_DIR), and for bert_cls sentence-transformers'
      modules.json + 1_Pooling/config.json.
  hf_reference.py embed REQUEST_JSON OUT_JSON
      REQUEST_JSON: {"model": dir, "texts": [[content token ids], ...]}. Embeds every text as
      semdex documents it (windows of at most min(max_position_embeddings, 512) tokens including
      the special tokens, near-equal split, token-weighted mean of the window vectors), running all
      windows as ONE padded batch with an attention mask, and writes {"vectors": [[...], ...]}.
  hf_reference.py make-tokenizers OUT_DIR
      Writes the two tokenizer.json fixtures (a byte-level BPE trained here on a small code corpus,
      RoBERTa-style; a lower-casing WordPiece, BERT-style). Run once; the outputs are committed in
      tests/fixtures/embed/hf/.
"""
import json
import math
import os
import re
import shutil
import struct
import sys
from collections import Counter

import numpy as np

# ---------------------------------------------------------------- safetensors


def write_safetensors(path, tensors):
    """tensors: name -> numpy array (float32, float16 or int64)."""
    dtypes = {np.dtype(np.float32): "F32", np.dtype(np.float16): "F16", np.dtype(np.int64): "I64"}
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name])
        raw = a.astype(a.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtypes[a.dtype], "shape": list(a.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    header["__metadata__"] = {"format": "pt"}
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


# ---------------------------------------------------------------- tiny models

MODELS = {
    # jina-embeddings-v2-base-code layout: qk-post-norm, up_gated_layer = [up | gate], 6 heads.
    "jina_code": dict(arch="JinaBertForMaskedLM", variant="code", tokenizer="bpe_tokenizer.json",
                      hidden=48, layers=3, heads=6, intermediate=40, max_pos=40, seed=1,
                      prefix="", dtype="F32"),
    # jina-embeddings-v2-base-en layout: gated_layers = [gate | up], mlp.layernorm; "bert."
    # prefix plus an MLM head to ignore; F16 weights.
    "jina_en": dict(arch="JinaBertForMaskedLM", variant="en", tokenizer="bpe_tokenizer.json",
                    hidden=32, layers=2, heads=4, intermediate=48, max_pos=24, seed=2,
                    prefix="bert.", dtype="F16"),
    # BERT (MiniLM-like): absolute positions, WordPiece, gelu, mean pooling, an I64 position_ids.
    "bert": dict(arch="BertModel", variant="bert", tokenizer="wordpiece_tokenizer.json",
                 hidden=36, layers=2, heads=3, intermediate=64, max_pos=32, seed=3, prefix="",
                 dtype="F32", act="gelu"),
    # bge-like: the same layout, CLS pooling from sentence-transformers' 1_Pooling, gelu_new.
    "bert_cls": dict(arch="BertModel", variant="bert", tokenizer="wordpiece_tokenizer.json",
                     hidden=24, layers=2, heads=2, intermediate=32, max_pos=20, seed=4,
                     prefix="", dtype="F32", act="gelu_new", cls=True),
}


def tokenizer_vocab_size(tok):
    ids = list(tok["model"]["vocab"].values()) + [a["id"] for a in tok.get("added_tokens") or []]
    return max(ids) + 1


def make_model(spec, fixtures, out):
    os.makedirs(out, exist_ok=True)
    shutil.copy(os.path.join(fixtures, spec["tokenizer"]), os.path.join(out, "tokenizer.json"))
    with open(os.path.join(out, "tokenizer.json")) as f:
        vocab = tokenizer_vocab_size(json.load(f)) + 3  # a few rows no token uses
    rng = np.random.default_rng(spec["seed"])
    h, f_, L, p = spec["hidden"], spec["intermediate"], spec["layers"], spec["prefix"]
    jina = spec["variant"] != "bert"
    t = {}

    def dense(name, n_out, n_in, bias=True, scale=None):
        scale = scale or 1.0 / math.sqrt(n_in)
        t[name + ".weight"] = rng.standard_normal((n_out, n_in)) * scale
        if bias:
            t[name + ".bias"] = rng.standard_normal(n_out) * 0.1

    def norm(name):
        t[name + ".weight"] = 1.0 + 0.2 * rng.standard_normal(h)
        t[name + ".bias"] = 0.1 * rng.standard_normal(h)

    e = p + "embeddings."
    t[e + "word_embeddings.weight"] = rng.standard_normal((vocab, h))
    t[e + "token_type_embeddings.weight"] = rng.standard_normal((2, h)) * 0.5
    if not jina:
        t[e + "position_embeddings.weight"] = rng.standard_normal((spec["max_pos"], h)) * 0.5
    norm(e + "LayerNorm")
    for i in range(L):
        q = "%sencoder.layer.%d." % (p, i)
        for part in ("query", "key", "value"):
            dense(q + "attention.self." + part, h, h)
        dense(q + "attention.output.dense", h, h)
        norm(q + "attention.output.LayerNorm")
        if spec["variant"] == "code":
            norm(q + "attention.self.layer_norm_q")
            norm(q + "attention.self.layer_norm_k")
            norm(q + "layer_norm_1")
            dense(q + "mlp.up_gated_layer", 2 * f_, h, bias=False)
            dense(q + "mlp.down_layer", h, f_)
            norm(q + "layer_norm_2")
        elif spec["variant"] == "en":
            dense(q + "mlp.gated_layers", 2 * f_, h, bias=False)
            dense(q + "mlp.wo", h, f_)
            norm(q + "mlp.layernorm")
        else:
            dense(q + "intermediate.dense", f_, h)
            dense(q + "output.dense", h, f_)
            norm(q + "output.LayerNorm")
    if p == "bert.":  # an MLM head, which an encoder ignores
        dense("cls.predictions.transform.dense", h, h)
    stored = {}
    for name, a in t.items():
        stored[name] = a.astype(np.float16 if spec["dtype"] == "F16" else np.float32)
    if not jina:
        stored[e + "position_ids"] = np.arange(spec["max_pos"], dtype=np.int64)[None, :]
    write_safetensors(os.path.join(out, "model.safetensors"), stored)
    config = {
        "architectures": [spec["arch"]], "model_type": "bert", "hidden_size": h,
        "num_hidden_layers": L, "num_attention_heads": spec["heads"], "intermediate_size": f_,
        "vocab_size": vocab, "type_vocab_size": 2, "max_position_embeddings": spec["max_pos"],
        "layer_norm_eps": 1e-12, "hidden_act": spec.get("act", "gelu"),
        "position_embedding_type": "alibi" if jina else "absolute", "pad_token_id": 0,
    }
    if jina:
        config["feed_forward_type"] = "geglu"
        config["emb_pooler"] = "mean"
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    if spec.get("cls"):
        with open(os.path.join(out, "modules.json"), "w") as f:
            json.dump([{"idx": 0, "name": "0", "path": "", "type":
                        "sentence_transformers.models.Transformer"},
                       {"idx": 1, "name": "1", "path": "1_Pooling", "type":
                        "sentence_transformers.models.Pooling"},
                       {"idx": 2, "name": "2", "path": "2_Normalize", "type":
                        "sentence_transformers.models.Normalize"}], f)
        os.makedirs(os.path.join(out, "1_Pooling"), exist_ok=True)
        with open(os.path.join(out, "1_Pooling", "config.json"), "w") as f:
            json.dump({"word_embedding_dimension": h, "pooling_mode_cls_token": True,
                       "pooling_mode_mean_tokens": False, "pooling_mode_max_tokens": False,
                       "pooling_mode_mean_sqrt_len_tokens": False}, f)


# ---------------------------------------------------------------- reference forward pass


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        dt = {"F32": "<f4", "F16": "<f2", "I64": "<i8"}[e["dtype"]]
        b, end = e["data_offsets"]
        out[name] = np.frombuffer(data[8 + n + b:8 + n + end], dtype=dt).reshape(e["shape"])
    return out


def alibi_slopes(n):
    # The ALiBi paper's get_slopes (github.com/ofirpress/attention_with_linear_biases).
    def power_of_2(n):
        start = 2 ** (-2 ** -(math.log2(n) - 3))
        return [start * start ** i for i in range(n)]
    if math.log2(n).is_integer():
        return power_of_2(n)
    closest = 2 ** math.floor(math.log2(n))
    return power_of_2(closest) + alibi_slopes(2 * closest)[0::2][:n - closest]


def layer_norm(x, w, b, eps):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


ERF = np.vectorize(math.erf)


def act(x, name):
    if name == "gelu":
        return 0.5 * x * (1 + ERF(x / math.sqrt(2)))
    if name in ("gelu_new", "gelu_pytorch_tanh"):
        return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
    if name == "relu":
        return np.maximum(x, 0)
    raise ValueError(name)


def forward(model_dir, batch):
    """batch: list of token id lists (with special tokens). Runs them as one padded batch."""
    with open(os.path.join(model_dir, "config.json")) as f:
        c = json.load(f)
    w = {k: v.astype(np.float64) for k, v in
         read_safetensors(os.path.join(model_dir, "model.safetensors")).items()}
    p = "bert." if "bert.embeddings.word_embeddings.weight" in w else ""
    eps, nh, hidden = c["layer_norm_eps"], c["num_attention_heads"], c["hidden_size"]
    dh = hidden // nh
    B, T = len(batch), max(len(s) for s in batch)
    ids = np.zeros((B, T), dtype=np.int64)  # padded with id 0
    mask = np.zeros((B, T), dtype=bool)
    for i, s in enumerate(batch):
        ids[i, :len(s)] = s
        mask[i, :len(s)] = True
    alibi = c.get("position_embedding_type") == "alibi"
    x = w[p + "embeddings.word_embeddings.weight"][ids]
    x = x + w[p + "embeddings.token_type_embeddings.weight"][0]
    if not alibi:
        x = x + w[p + "embeddings.position_embeddings.weight"][np.arange(T)]
    x = layer_norm(x, w[p + "embeddings.LayerNorm.weight"], w[p + "embeddings.LayerNorm.bias"], eps)
    bias = np.where(mask[:, None, None, :], 0.0, -1e30)  # [B, 1, 1, T]: padded keys masked
    if alibi:
        pos = np.arange(T)
        slopes = np.array(alibi_slopes(nh))
        bias = bias - slopes[None, :, None, None] * np.abs(pos[:, None] - pos[None, :])[None, None]

    def lin(name, v, has_bias=True):
        y = v @ w[name + ".weight"].T
        return y + w[name + ".bias"] if has_bias else y

    def ln(name, v):
        return layer_norm(v, w[name + ".weight"], w[name + ".bias"], eps)

    for i in range(c["num_hidden_layers"]):
        q_ = "%sencoder.layer.%d." % (p, i)
        q = lin(q_ + "attention.self.query", x)
        k = lin(q_ + "attention.self.key", x)
        v = lin(q_ + "attention.self.value", x)
        code = q_ + "mlp.up_gated_layer.weight" in w
        if code:
            q = ln(q_ + "attention.self.layer_norm_q", q)
            k = ln(q_ + "attention.self.layer_norm_k", k)

        def heads(t):
            return t.reshape(B, T, nh, dh).transpose(0, 2, 1, 3)
        scores = heads(q) @ heads(k).transpose(0, 1, 3, 2) / math.sqrt(dh) + bias
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        probs = scores / scores.sum(-1, keepdims=True)
        ctx = (probs @ heads(v)).transpose(0, 2, 1, 3).reshape(B, T, hidden)
        a = ln(q_ + "attention.output.LayerNorm", lin(q_ + "attention.output.dense", ctx) + x)
        if code:  # BertSelfOutput's norm, then layer_norm_1 over the layer input added again
            a = ln(q_ + "layer_norm_1", a + x)
            g = lin(q_ + "mlp.up_gated_layer", a, False)
            f_ = c["intermediate_size"]
            up, gate = g[..., :f_], g[..., f_:]
            x = ln(q_ + "layer_norm_2", lin(q_ + "mlp.down_layer", up * act(gate, "gelu")) + a)
        elif alibi:  # jina-bert v2 (base-en): gated_layers = [gate | up]
            g = lin(q_ + "mlp.gated_layers", a, False)
            f_ = c["intermediate_size"]
            gate, up = g[..., :f_], g[..., f_:]
            x = ln(q_ + "mlp.layernorm", lin(q_ + "mlp.wo", act(gate, "gelu") * up) + a)
        else:
            hmid = act(lin(q_ + "intermediate.dense", a), c["hidden_act"])
            x = ln(q_ + "output.LayerNorm", lin(q_ + "output.dense", hmid) + a)
    cls = False
    pooling = os.path.join(model_dir, "1_Pooling", "config.json")
    if os.path.exists(pooling):
        with open(pooling) as f:
            cls = json.load(f)["pooling_mode_cls_token"]
    if cls:
        pooled = x[:, 0]
    else:
        m = mask[..., None].astype(np.float64)
        pooled = (x * m).sum(1) / m.sum(1)
    return pooled / np.linalg.norm(pooled, axis=-1, keepdims=True)


def special_tokens(tok):
    pp = tok["post_processor"]
    if pp["type"] in ("RobertaProcessing", "BertProcessing"):
        return [pp["cls"][1]], [pp["sep"][1]]
    pre, post, seen = [], [], False
    for piece in pp["single"]:
        if "Sequence" in piece:
            seen = True
        else:
            (post if seen else pre).extend(pp["special_tokens"][piece["SpecialToken"]["id"]]["ids"])
    return pre, post


def embed(request_path, out_path):
    with open(request_path) as f:
        req = json.load(f)
    model = req["model"]
    with open(os.path.join(model, "config.json")) as f:
        max_tokens = min(json.load(f)["max_position_embeddings"], 512)
    with open(os.path.join(model, "tokenizer.json")) as f:
        pre, post = special_tokens(json.load(f))
    room = max_tokens - len(pre) - len(post)
    windows = []  # (text, content length, ids)
    for t, ids in enumerate(req["texts"]):
        n = len(ids)
        k = -(-n // room)
        start = 0
        for i in range(k):
            length = n // k + (1 if i < n % k else 0)
            windows.append((t, length, pre + ids[start:start + length] + post))
            start += length
    vecs = forward(model, [w[2] for w in windows])
    out = []
    for t in range(len(req["texts"])):
        mine = [(w[1], vecs[i]) for i, w in enumerate(windows) if w[0] == t]
        if len(mine) == 1:
            v = mine[0][1]
        else:
            v = sum(length * vec for length, vec in mine)
            v = v / np.linalg.norm(v)
        out.append([float(z) for z in v])
    with open(out_path, "w") as f:
        json.dump({"vectors": out, "windows": len(windows)}, f)


# ---------------------------------------------------------------- tokenizer fixtures

CORPUS = r'''
export function retryWithBackoff<T>(source: Observable<T>, maxRetries: number): Observable<T> {
  let attempt = 0;
  return new Observable((subscriber) => {
    const subscribeToSource = () => source.subscribe({ next: (value) => subscriber.next(value) });
  });
}
def load_config(path: str) -> dict:
    """Reads the configuration file and returns its values."""
    with open(path, "r", encoding="utf-8") as handle:
        return json.load(handle)
class HttpClient:
    def __init__(self, base_url, timeout=30):
        self.base_url = base_url
        self.timeout = timeout
    def get(self, path, params=None):
        return self.request("GET", path, params=params)
Status LoadEmbedder(const std::string& spec, const EmbedderOptions& options) {
  for (int i = 0; i < count; ++i) { total += values[i] * weights[i]; }
  if (!status.ok()) return status;
  std::vector<float> vectors(windows.size() * dim);
}
The quick brown fox jumps over the lazy dog. How do I read a file line by line in Python?
Returns the number of tokens the model would see for this text, over all its windows.
const MAX_RETRY_COUNT = 5; const userName = getUserName(request.session);
import numpy as np; import os; from typing import List, Optional
'''


def train_bpe(merges_wanted):
    b2u, n = {}, 0
    for b in range(256):
        if 33 <= b <= 126 or 161 <= b <= 172 or b >= 174:
            b2u[b] = chr(b)
        else:
            b2u[b] = chr(256 + n)
            n += 1
    # Training needs only a rough GPT-2 split; the tokenizer's own split is the C++/JS one.
    pieces = re.findall(r"""'s|'t|'re|'ve|'m|'ll|'d| ?[^\W\d_]+| ?\d+| ?[^\s\w]+|\s+(?!\S)|\s+""",
                        CORPUS)
    words = Counter("".join(b2u[b] for b in piece.encode()) for piece in pieces)
    vocab = {}
    for tok in ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]:
        vocab[tok] = len(vocab)
    for b in range(256):
        vocab[b2u[b]] = len(vocab)
    splits = {w: list(w) for w in words}
    merges = []
    while len(merges) < merges_wanted:
        pairs = Counter()
        for w, count in words.items():
            s = splits[w]
            for a, b in zip(s, s[1:]):
                pairs[(a, b)] += count
        if not pairs:
            break
        best = min(pairs.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        merges.append(best)
        vocab.setdefault(best[0] + best[1], len(vocab))
        for w in words:
            s, out, i = splits[w], [], 0
            while i < len(s):
                if i + 1 < len(s) and (s[i], s[i + 1]) == best:
                    out.append(s[i] + s[i + 1])
                    i += 2
                else:
                    out.append(s[i])
                    i += 1
            splits[w] = out
    return vocab, merges


def make_tokenizers(out):
    os.makedirs(out, exist_ok=True)
    vocab, merges = train_bpe(400)
    added = [{"id": i, "content": c, "single_word": False, "lstrip": c == "<mask>",
              "rstrip": False, "normalized": c != "<mask>", "special": True}
             for i, c in enumerate(["<s>", "<pad>", "</s>", "<unk>", "<mask>"])]
    bpe = {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
                          "use_regex": True},
        "post_processor": {"type": "RobertaProcessing", "sep": ["</s>", 2], "cls": ["<s>", 0],
                           "trim_offsets": True, "add_prefix_space": False},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True,
                    "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None,
                  "continuing_subword_prefix": "", "end_of_word_suffix": "", "fuse_unk": False,
                  "byte_fallback": False, "ignore_merges": False, "vocab": vocab,
                  "merges": [a + " " + b for a, b in merges]},
    }
    with open(os.path.join(out, "bpe_tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(bpe, f, ensure_ascii=False, indent=1)

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    wp = {t: i for i, t in enumerate(specials)}
    text = CORPUS.lower() + " café naive resume 日本語 東京 ü é ß"
    words = Counter(re.findall(r"[^\W\d_]+|\d+|[^\s\w]", text))
    chars = sorted({ch for w in words for ch in w})
    for ch in chars:
        wp.setdefault(ch, len(wp))
    for ch in chars:
        wp.setdefault("##" + ch, len(wp))
    for w, _ in sorted(words.items(), key=lambda kv: (-kv[1], kv[0]))[:150]:
        wp.setdefault(w, len(wp))
    suffixes = Counter(w[i:] for w in words for i in range(1, len(w)) if len(w) - i in (2, 3, 4))
    for s, _ in sorted(suffixes.items(), key=lambda kv: (-kv[1], kv[0]))[:80]:
        wp.setdefault("##" + s, len(wp))
    prefixes = Counter(w[:i] for w in words for i in (2, 3, 4) if len(w) > i)
    for s, _ in sorted(prefixes.items(), key=lambda kv: (-kv[1], kv[0]))[:60]:
        wp.setdefault(s, len(wp))
    wordpiece = {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [{"id": i, "content": c, "single_word": False, "lstrip": False,
                          "rstrip": False, "normalized": False, "special": True}
                         for i, c in enumerate(specials)],
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                       {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                     {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 0}},
                     {"Sequence": {"id": "B", "type_id": 1}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
            "special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [2], "tokens": ["[CLS]"]},
                               "[SEP]": {"id": "[SEP]", "ids": [3], "tokens": ["[SEP]"]}}},
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": wp},
    }
    with open(os.path.join(out, "wordpiece_tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(wordpiece, f, ensure_ascii=False, indent=1)


def main(argv):
    if len(argv) == 4 and argv[1] == "make-models":
        for name, spec in MODELS.items():
            make_model(spec, argv[2], os.path.join(argv[3], name))
    elif len(argv) == 4 and argv[1] == "embed":
        embed(argv[2], argv[3])
    elif len(argv) == 3 and argv[1] == "make-tokenizers":
        make_tokenizers(argv[2])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
