"""P2: cost of poorman.layer_scores against one plain forward pass over the same sample.

    HF_HUB_OFFLINE=1 python benchmarks/p2_scores_cost.py [--n 128 --batch 16 --token mean]
"""

import argparse
import json
import statistics
import time
from pathlib import Path

import torch
from transformers import AutoModel, AutoTokenizer

import poorman
from poorman.experiments.data import load_glue
from poorman.experiments.profiles import load_profile

MODEL = "sentence-transformers/all-mpnet-base-v2"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=128)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", default=str(Path(__file__).with_name("results") / "p2_scores_cost.json"))
    args = ap.parse_args()
    model, tok = AutoModel.from_pretrained(MODEL).eval(), AutoTokenizer.from_pretrained(MODEL)
    data = load_glue("sst2", "train", glue_dir=load_profile("cpu").resolved_glue_dir(), max_examples=args.n)
    texts = list(data["sentence"])
    batches = [dict(tok(texts[i:i + args.batch], padding=True, truncation=True, max_length=128,
                        return_tensors="pt")) for i in range(0, len(texts), args.batch)]

    def plain():
        with torch.inference_mode():
            for b in batches:
                model(**b)

    result = {}
    for token in ("first", "mean", "last"):
        t_plain, t_scores = [], []
        for _ in range(args.rounds):  # interleaved, so noise hits both alike
            t0 = time.perf_counter(); plain(); t_plain.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            poorman.layer_scores(model, batches, token=token, progress=False)
            t_scores.append(time.perf_counter() - t0)
        ratio = statistics.median(t_scores) / statistics.median(t_plain)
        result[token] = {"plain_s": statistics.median(t_plain), "scores_s": statistics.median(t_scores),
                         "ratio": ratio}
        print(f"token={token}: plain {statistics.median(t_plain):.2f}s, layer_scores "
              f"{statistics.median(t_scores):.2f}s -> x{ratio:.3f}")
    Path(args.out).parent.mkdir(exist_ok=True)
    Path(args.out).write_text(json.dumps({"n": args.n, "batch": args.batch, "results": result}, indent=1))


if __name__ == "__main__":
    main()
