"""P1: forward-latency speed-up of MPNet-12 with K = 2, 4, 6 top layers dropped, against the ideal FLOP ratio.

All variants are timed side by side in one process, round-robin, so machine noise hits them alike.

    HF_HUB_OFFLINE=1 python benchmarks/p1_latency.py [--batch 8 --seq 128 --rounds 7]
"""

import argparse
import copy
import json
import statistics
from pathlib import Path

import torch
from transformers import AutoModel

import poorman
from poorman.core.measure import dummy_inputs, forward_flops, time_forwards

MODEL = "sentence-transformers/all-mpnet-base-v2"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--out", default=str(Path(__file__).with_name("results") / "p1_latency.json"))
    args = ap.parse_args()
    base = AutoModel.from_pretrained(MODEL).eval()
    variants = {0: base}
    for k in (2, 4, 6):
        variants[k] = poorman.drop_layers(copy.deepcopy(base), poorman.select_layers("top", 12, k), strategy="top")
    inputs = dummy_inputs(base, args.batch, args.seq)
    flops = {k: forward_flops(m, args.batch, args.seq) for k, m in variants.items()}
    times_ms = time_forwards([(m, inputs) for m in variants.values()], repeats=args.rounds, warmup=1)
    med = {k: statistics.median(t) / 1000 for k, t in zip(variants, times_ms)}
    rows = []
    for k in variants:
        ideal, actual = flops[0] / flops[k], med[0] / med[k]
        rows.append({"k": k, "layers": 12 - k, "median_ms": 1000 * med[k], "gflops": flops[k] / 1e9,
                     "ideal_speedup": ideal, "measured_speedup": actual, "fraction_of_ideal": actual / ideal})
        print(f"K={k}: {1000 * med[k]:7.1f} ms  ideal x{ideal:.3f}  measured x{actual:.3f}  "
              f"-> {actual / ideal:.3f} of ideal")
    Path(args.out).parent.mkdir(exist_ok=True)
    Path(args.out).write_text(json.dumps({"batch": args.batch, "seq": args.seq, "rounds": args.rounds,
                                          "threads": torch.get_num_threads(), "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
