"""P6: poorman's fine-tuning pipeline against the paper's static padding, on a GPU, in bf16.

A random-init BERT-base-shaped classifier (12 x 768; speed needs no weights) is trained with the
HF Trainer for a fixed number of examples per arm:

    ours   dynamic padding (DataCollatorWithPadding) + length-grouped sampling, as
           poorman.experiments.run.finetune.run_one does;
    paper  every example padded to 128 tokens, random sampling, as the paper's code did.
    ours_no_levers   ours without training.gpu_levers (the NaN check each step, per-tensor AdamW);
    pure   ours's batches, moved to the GPU beforehand, through a bare forward/backward/AdamW loop
           synchronised once at the end: the GPU time of a step with no host work to wait for.
           `ours` / `pure` (seconds) is the host overhead factor the precision issue targets (<= 1.5 at batch 8).

Inputs are random token ids with the real lengths of a GLUE task's train set (BERT's WordPiece,
truncated at 128), sampled from the histograms in benchmarks/data/train_lengths.json, so the
machine needs neither the Hub nor GLUE. Model FLOPs per batch are counted analytically:
3 x (2 x matmul params x tokens + 4 x layers x width x seq^2 per sequence), forward + backward.
"hardware" FLOPs count every position the GPU computed, padding included; "useful" FLOPs count
real tokens only. MFU = FLOPs per second / the GPU's dense bf16 peak.

    python benchmarks/p6_gpu_pipeline.py [--tasks sst2 rte --batches 8 32 --examples 8192]
    python benchmarks/p6_gpu_pipeline.py --tasks sst2 --batches 8 --arms ours ours_no_levers pure paper
    python benchmarks/p6_gpu_pipeline.py --write-lengths --glue-dir ../shared/data/glue   # the histograms
"""

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from datasets import Dataset
from transformers import (BertConfig, BertForSequenceClassification, DataCollatorWithPadding, Trainer,
                          default_data_collator)

from poorman.core.precision import choose_precision
from poorman.experiments.run.finetune import environment
from poorman.experiments.run.training import gpu_levers, training_arguments

HERE = Path(__file__).resolve().parent
LENGTHS = HERE / "data" / "train_lengths.json"
MAX_LENGTH = 128
PAD_ID = 0
# dense (no sparsity) bf16 tensor-core peaks from NVIDIA's data sheets, in TFLOP/s
BF16_PEAK = {"H100 80GB HBM3": 989.4, "H100 PCIe": 756.5, "H100 NVL": 835.5, "H200": 989.4,
             "A100": 312.0, "L4": 121.0, "T4": 65.0, "A10G": 70.0}


def write_lengths(glue_dir, tasks):
    """Histograms {task: {length: count}} of the train sets, truncated at 128 (MPNet's tokenizer:
    BERT's uncased WordPiece vocabulary)."""
    from transformers import AutoTokenizer
    from poorman.experiments.data import load_glue
    from poorman.experiments.data.tasks import get_task
    tokenizer = AutoTokenizer.from_pretrained("sentence-transformers/all-mpnet-base-v2")
    out = {}
    for name in tasks:
        task, rows = get_task(name), load_glue(name, "train", glue_dir=glue_dir)
        texts = [list(rows[c]) for c in task.text_fields]
        ids = tokenizer(*texts, truncation=True, max_length=MAX_LENGTH)["input_ids"]
        values, counts = np.unique([len(x) for x in ids], return_counts=True)
        out[name] = {int(v): int(c) for v, c in zip(values, counts)}
        print(name, len(ids), "examples, mean length", round(float(np.average(values, weights=counts)), 1))
    LENGTHS.parent.mkdir(exist_ok=True)
    LENGTHS.write_text(json.dumps(out, indent=0))


def sample_dataset(histogram, n, vocab, static, seed):
    """n examples with lengths drawn from the histogram and random ids; static pads them to 128."""
    rng = np.random.default_rng(seed)
    values = np.array([int(v) for v in histogram])
    counts = np.array(list(histogram.values()), dtype=float)
    lengths = rng.choice(values, size=n, p=counts / counts.sum())
    rows = {"input_ids": [], "attention_mask": [], "labels": rng.integers(0, 2, n).tolist()}
    for length in lengths:
        ids = rng.integers(1000, vocab, length).tolist()
        pad = MAX_LENGTH - length if static else 0
        rows["input_ids"].append(ids + [PAD_ID] * pad)
        rows["attention_mask"].append([1] * length + [0] * pad)
    return Dataset.from_dict(rows)


def batch_flops(batch, config):
    """(hardware, useful) training FLOPs of one batch: forward + backward = 3 x forward."""
    layers, width = config.num_hidden_layers, config.hidden_size
    matmul_params = layers * (4 * width * width + 2 * width * config.intermediate_size)
    b, s = batch["input_ids"].shape
    real = batch["attention_mask"].sum(dim=1).double()
    hardware = 3 * (2 * matmul_params * b * s + 4 * layers * width * b * s * s)
    useful = 3 * (2 * matmul_params * real.sum() + 4 * layers * width * (real ** 2).sum())
    return float(hardware), float(useful)


# arm: (padding, length-grouped sampling); padding is "static" (to 128) or a multiple to pad batches to
ARMS = {"ours": (1, True), "paper": ("static", False), "dynamic_random": (1, False), "ours_pad8": (8, True),
        "ours_no_levers": (8, True), "pure": (8, True)}
NO_LEVERS = {"logging_nan_inf_filter": True, "optim": "adamw_torch"}


def run_arm(arm, data, config, batch, seed):
    padding, grouped = ARMS[arm]
    train_cfg = {"batch_size": batch, "learning_rate": 5e-5, "epochs": 1, "weight_decay": 0.01,
                 "warmup_ratio": 0.1, "group_by_length": grouped}
    changes = NO_LEVERS if arm == "ours_no_levers" else {}
    collator = default_data_collator if padding == "static" else \
        DataCollatorWithPadding(_PadOnly(), pad_to_multiple_of=padding)
    torch.manual_seed(seed)
    model = BertForSequenceClassification(config)
    with tempfile.TemporaryDirectory() as tmp:
        targs = training_arguments(train_cfg, tmp, seed, precision=choose_precision("auto"), **changes)
        trainer = Trainer(model=model, args=targs, train_dataset=data, data_collator=collator)
        batches = list(trainer.get_train_dataloader())
        flops = [batch_flops(b, config) for b in batches]
        seconds = pure_loop(model, batches, targs) if arm == "pure" else _timed(trainer.train)
    hardware, useful = (sum(f[i] for f in flops) for i in (0, 1))
    return {"arm": arm, "batch": batch, "examples": len(data), "seconds": seconds,
            "examples_per_s": len(data) / seconds, "hardware_tflops_per_s": hardware / seconds / 1e12,
            "useful_tflops_per_s": useful / seconds / 1e12, "padding_share": 1 - useful / hardware}


def _timed(fn):
    _synchronize()
    start = time.perf_counter()
    fn()
    _synchronize()
    return time.perf_counter() - start


def pure_loop(model, batches, targs):
    """Seconds of forward + backward + fused AdamW over `batches`, already on the device, in the
    Trainer's precision, with one synchronisation at the end: the GPU's own time for the steps."""
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model.to(device).train()
    batches = [{k: v.to(device) for k, v in b.items()} for b in batches]
    optimizer = torch.optim.AdamW(model.parameters(), lr=5e-5, fused=device == "cuda")
    dtype = torch.bfloat16 if targs.bf16 else torch.float16 if targs.fp16 else None

    def steps():
        for b in batches:
            with torch.autocast(device, dtype=dtype, enabled=dtype is not None):
                loss = model(**b).loss
            loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
    return _timed(steps)


class _PadOnly:
    """DataCollatorWithPadding needs only a tokenizer's pad(); ids are padded with PAD_ID."""
    model_input_names = ["input_ids", "attention_mask"]
    padding_side = "right"

    def pad(self, features, padding=True, max_length=None, pad_to_multiple_of=None, return_tensors="pt"):
        longest = max(len(f["input_ids"]) for f in features)
        longest = -(-longest // (pad_to_multiple_of or 1)) * (pad_to_multiple_of or 1)
        out = {k: [] for k in features[0]}
        for f in features:
            pad = longest - len(f["input_ids"])
            out["input_ids"].append(f["input_ids"] + [PAD_ID] * pad)
            out["attention_mask"].append(f["attention_mask"] + [0] * pad)
            out["labels"].append(f["labels"])
        return {k: torch.tensor(v) for k, v in out.items()}


def _synchronize():
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def peak_tflops(name):
    return next((peak for key, peak in BF16_PEAK.items() if key in name), None)


def measure(args, config, peak):
    """Every task x batch x arm, side by side in this process, after one untimed warm-up run."""
    histograms = json.loads(LENGTHS.read_text())
    warm = sample_dataset(histograms[args.tasks[0]], 256, config.vocab_size, False, args.seed)
    run_arm("ours", warm, config, 8, args.seed)  # untimed: CUDA context, cuBLAS, allocator
    rows = []
    for task in args.tasks:
        for batch in args.batches:
            for arm in args.arms:
                static = ARMS[arm][0] == "static"
                data = sample_dataset(histograms[task], args.examples, config.vocab_size, static, args.seed)
                row = {"task": task, **run_arm(arm, data, config, batch, args.seed)}
                row["hardware_mfu"] = row["hardware_tflops_per_s"] / peak if peak else None
                row["useful_mfu"] = row["useful_tflops_per_s"] / peak if peak else None
                rows.append(row)
                print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()}))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", nargs="+", default=["sst2", "rte"])
    ap.add_argument("--batches", nargs="+", type=int, default=[8, 32])
    ap.add_argument("--arms", nargs="+", default=["ours", "ours_no_levers", "pure", "paper"], choices=list(ARMS))
    ap.add_argument("--examples", type=int, default=8192, help="train examples per arm (one epoch)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--tiny", action="store_true", help="a 2 x 64 model: checks the script, on any device")
    ap.add_argument("--write-lengths", action="store_true")
    ap.add_argument("--glue-dir", default=None)
    ap.add_argument("--out", default=str(HERE / "results" / "p6_gpu_pipeline.json"))
    args = ap.parse_args()
    if args.write_lengths:
        return write_lengths(args.glue_dir, args.tasks)
    assert torch.cuda.is_available() or args.tiny, "P6 measures a GPU; none is visible"
    gpu = torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu"
    peak = peak_tflops(gpu)
    config = BertConfig(num_labels=2)  # BERT-base: 12 x 768, FFN 3072, vocab 30522
    if args.tiny:
        config = BertConfig(num_labels=2, num_hidden_layers=2, hidden_size=64, num_attention_heads=2,
                            intermediate_size=128)
    rows = measure(args, config, peak)
    result = {"gpu": gpu, "cuda_alloc_conf": os.environ.get("PYTORCH_CUDA_ALLOC_CONF"), "bf16_peak_tflops": peak,
              "model": config.to_diff_dict(), "rows": rows, "max_length": MAX_LENGTH, "env": environment()}
    Path(args.out).write_text(json.dumps(result, indent=1))
    print(f"saved {args.out}")


if __name__ == "__main__":
    main()
