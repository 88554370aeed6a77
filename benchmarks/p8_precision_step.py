"""P8: one optimizer step of MPNet-base in fp32 and in bf16 autocast, on this CPU, one thread.

Why the quick profile has K = 6 only: on a CPU without native bf16, `precision: auto` trains in
fp32, and this says how much slower an fp32 step is than a bf16 one where bf16 is native. Run it
once as is and once as an AVX2 CPU would (torch and oneDNN then use AVX2 kernels only):

    HF_HUB_OFFLINE=1 python benchmarks/p8_precision_step.py
    ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2 HF_HUB_OFFLINE=1 python benchmarks/p8_precision_step.py
"""

import argparse
import time

import torch
from transformers import AutoModelForSequenceClassification

MODEL = "sentence-transformers/all-mpnet-base-v2"


def step_seconds(model, precision, batch, seq, steps):
    """Mean seconds of a forward, backward and AdamW step after one untimed step."""
    x, y = torch.randint(1000, 2000, (batch, seq)), torch.randint(0, 2, (batch,))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-5)

    def step():
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
            loss = model(input_ids=x, labels=y).loss
        loss.backward()
        opt.step()
        opt.zero_grad()
    step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - start) / steps


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--seq", type=int, default=40)
    ap.add_argument("--steps", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(1)
    for precision in ("bf16", "fp32"):
        model = AutoModelForSequenceClassification.from_pretrained(MODEL, num_labels=2)
        seconds = step_seconds(model, precision, args.batch, args.seq, args.steps)
        print(f"{torch.backends.cpu.get_cpu_capability()} {precision}: {seconds:.2f} s per step "
              f"(batch {args.batch} x {args.seq} tokens, 1 thread)")


if __name__ == "__main__":
    main()
