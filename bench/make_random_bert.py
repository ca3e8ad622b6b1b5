#!/usr/bin/python3
"""Writes a random-weight JinaBERT-base-shaped model for bench/embed_bench.cc:

  make_random_bert.py OUT_DIR [--layers 12] [--hidden 768] [--heads 12] [--intermediate 3072]

jina-embeddings-v2-base-code's layout and shapes (12 layers, 768 hidden, 12 heads, GLU
feed-forward of 3072, ALiBi, fp32 safetensors, ~450 MB), made by tests/embed/hf_reference.py's
generator, with its byte-level BPE fixture tokenizer (a small vocabulary: code splits into more
tokens than with the real model's). The weights are random: good for timing, not for search.
"""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "embed"))
import hf_reference  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("out_dir")
    ap.add_argument("--layers", type=int, default=12)
    ap.add_argument("--hidden", type=int, default=768)
    ap.add_argument("--heads", type=int, default=12)
    ap.add_argument("--intermediate", type=int, default=3072)
    args = ap.parse_args()
    spec = dict(hf_reference.MODELS["jina_code"])
    spec.update(hidden=args.hidden, layers=args.layers, heads=args.heads,
                intermediate=args.intermediate, max_pos=8192, seed=7)
    fixtures = os.path.join(HERE, "..", "tests", "fixtures", "embed", "hf")
    hf_reference.make_model(spec, fixtures, args.out_dir)
    print("wrote", args.out_dir)


if __name__ == "__main__":
    main()
