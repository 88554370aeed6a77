"""P2: cost of poorman.layer_scores against one plain forward pass over the same sample.

Both run over the same pre-tokenised batches (128 SST-2 sentences, MPNet-12), batch by
batch and side by side; `ratio` is total layer_scores time / total plain-forward time.

    HF_HUB_OFFLINE=1 python benchmarks/p2_scores_cost.py [--n 128 --batch 16 --rounds 3]
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


def plain(model, batch):
    """Seconds for one plain forward pass."""
    t0 = time.perf_counter()
    with torch.inference_mode():
        model(**batch)
    return time.perf_counter() - t0


def scores(model, batch, token):
    """Seconds for layer_scores() on the same batch."""
    t0 = time.perf_counter()
    poorman.layer_scores(model, [batch], token=token, progress=False)
    return time.perf_counter() - t0


def parse_args():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=128)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", default=str(Path(__file__).with_name("results") / "p2_scores_cost.json"))
    return ap.parse_args()


def main():
    args = parse_args()
    model, tok = AutoModel.from_pretrained(MODEL).eval(), AutoTokenizer.from_pretrained(MODEL)
    data = load_glue("sst2", "train", glue_dir=load_profile("cpu").resolved_glue_dir(), max_examples=args.n)
    texts = list(data["sentence"])
    batches = [dict(tok(texts[i:i + args.batch], padding=True, truncation=True, max_length=128,
                        return_tensors="pt")) for i in range(0, len(texts), args.batch)]
    for b in batches:  # warm-up: the first forward passes pay one-off costs
        plain(model, b)
    result = {}
    for token in ("first", "mean", "last"):
        t_plain, t_scores, ratios = 0.0, 0.0, []
        for r in range(args.rounds):
            # side by side, batch by batch, alternating which goes first, so that the background
            # load (this machine is shared) hits both alike
            for i, b in enumerate(batches):
                if (i + r) % 2:
                    p = plain(model, b); s = scores(model, b, token)
                else:
                    s = scores(model, b, token); p = plain(model, b)
                t_plain += p; t_scores += s; ratios.append(s / p)
        ratio = t_scores / t_plain
        result[token] = {"plain_s": t_plain / args.rounds, "scores_s": t_scores / args.rounds, "ratio": ratio,
                         "median_batch_ratio": statistics.median(ratios)}
        print(f"token={token}: plain {t_plain / args.rounds:.2f}s, layer_scores {t_scores / args.rounds:.2f}s "
              f"per pass -> x{ratio:.3f} (median over batches x{statistics.median(ratios):.3f})")
    Path(args.out).parent.mkdir(exist_ok=True)
    Path(args.out).write_text(json.dumps({"n": args.n, "batch": args.batch, "rounds": args.rounds,
                                          "threads": torch.get_num_threads(), "results": result}, indent=1))


if __name__ == "__main__":
    main()
