"""P3: training throughput of poorman's fine-tuning pipeline against the paper's, same model, same data.

    ours   dynamic padding (DataCollatorWithPadding) + length-grouped sampling, as
           poorman.experiments.run.finetune.run_one does with the cpu profile
    paper  every example padded to max_seq_length (128), random sampling, as the paper's code did
    dynamic_random  (diagnostic) dynamic padding with the paper's random sampling: the same batches
           as `paper`, so it should match paper's accuracy up to float rounding and shows how much
           of the speed-up is padding alone and how much is length grouping

Both truncate at the same max length, train the same freshly initialised model (same seed, same
head) with HF Trainer and the same optimiser settings, and are evaluated on the full SST-2 dev set.
A short untimed warm-up run comes first so that neither pays for first-call costs.

    HF_HUB_OFFLINE=1 python benchmarks/p3_pipeline.py [--train 1000 --max-length 128 --threads 1]
"""

import argparse
import json
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from transformers import DataCollatorWithPadding, Trainer, default_data_collator, set_seed

from poorman.experiments.data import load_glue, tokenize
from poorman.experiments.run.finetune import environment
from poorman.experiments.data.metrics import trainer_metrics
from poorman.experiments.models import load_for_classification
from poorman.experiments.profiles import load_profile
from poorman.experiments.data.tasks import get_task
from poorman.experiments.run.training import training_arguments

MODEL = "sentence-transformers/all-MiniLM-L6-v2"
TASK = get_task("sst2")


def static_tokenize(dataset, tokenizer, max_length):
    """The paper's preprocessing: every example padded (and truncated) to max_length."""
    def encode(batch):
        return tokenizer(batch["sentence"], truncation=True, max_length=max_length, padding="max_length")
    out = dataset.map(encode, batched=True, remove_columns=[c for c in dataset.column_names if c != "label"])
    out = out.remove_columns([c for c in out.column_names if c not in (*tokenizer.model_input_names, "label")])
    return out.rename_column("label", "labels")


PIPELINES = {"ours": dict(dynamic=True, grouped=True), "paper": dict(dynamic=False, grouped=False),
             "dynamic_random": dict(dynamic=True, grouped=False)}


def make_trainer(pipeline, model, tokenizer, train, args, out_dir, **extra):
    dynamic, grouped = PIPELINES[pipeline]["dynamic"], PIPELINES[pipeline]["grouped"]
    train_cfg = {"batch_size": args.batch, "learning_rate": args.lr, "epochs": 1, "weight_decay": args.weight_decay,
                 "bf16": args.bf16, "group_by_length": grouped, "warmup_ratio": args.warmup}
    targs = training_arguments(train_cfg, out_dir, args.seed, **extra)
    collator = DataCollatorWithPadding(tokenizer) if dynamic else default_data_collator
    return Trainer(model=model, args=targs, train_dataset=train, data_collator=collator,
                   compute_metrics=trainer_metrics(TASK))


def padded_tokens(trainer):
    """(tokens the model saw incl. padding, real tokens) over one epoch of the train dataloader."""
    seen = real = 0
    for batch in trainer.get_train_dataloader():
        seen += batch["input_ids"].numel()
        real += int(batch["attention_mask"].sum())
    return seen, real


def run(pipeline, train, dev, tokenizer, args):
    set_seed(args.seed)
    model, _ = load_for_classification(MODEL, TASK.num_labels, seed=args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        trainer = make_trainer(pipeline, model, tokenizer, train, args, tmp)
        t0 = time.perf_counter()
        out = trainer.train()
        seconds = time.perf_counter() - t0
        t0 = time.perf_counter()
        ev = trainer.evaluate(eval_dataset=dev)
        eval_seconds = time.perf_counter() - t0
        seen, real = padded_tokens(trainer)
    row = {"pipeline": pipeline, "train_seconds": seconds, "train_examples_per_s": len(train) / seconds,
           "hf_train_samples_per_second": out.metrics.get("train_samples_per_second"),
           "train_loss": out.training_loss, "dev_accuracy": ev["eval_accuracy"],
           "eval_seconds": eval_seconds, "eval_examples_per_s": len(dev) / eval_seconds,
           "train_tokens_incl_padding": seen, "train_real_tokens": real, "padding_fraction": 1 - real / seen}
    print(f"{pipeline:14s}: {row['train_examples_per_s']:6.1f} train ex/s ({seconds:.1f} s), "
          f"dev acc {row['dev_accuracy']:.4f}, padding {row['padding_fraction']:.0%} of train tokens, "
          f"eval {row['eval_examples_per_s']:.0f} ex/s")
    return row


def parse_args():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", type=int, default=1000, help="SST-2 train examples (seeded subsample)")
    ap.add_argument("--max-length", type=int, default=128)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--warmup", type=float, default=0.1, help="warm-up ratio (the cpu profile's)")
    ap.add_argument("--weight-decay", type=float, default=0.01, help="(the cpu profile's)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--glue-dir", default=None, help="default: the cpu profile's (or $POORMAN_GLUE_DIR)")
    ap.add_argument("--bf16", action="store_true", help="bf16 autocast in every arm (as the cpu profile now does)")
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's own choice)")
    ap.add_argument("--note", default="", help="saved with the result, e.g. what else shared the machine")
    ap.add_argument("--out", default=str(Path(__file__).with_name("results") / "p3_pipeline.json"))
    return ap.parse_args()


def main():
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    glue_dir = args.glue_dir or load_profile("cpu").resolved_glue_dir()
    train_rows = load_glue("sst2", "train", glue_dir=glue_dir, max_examples=args.train, seed=args.seed)
    dev_rows = load_glue("sst2", "validation", glue_dir=glue_dir)
    _, tokenizer = load_for_classification(MODEL, TASK.num_labels, seed=args.seed)
    dynamic = tuple(tokenize(rows, tokenizer, TASK, args.max_length) for rows in (train_rows, dev_rows))
    static = tuple(static_tokenize(rows, tokenizer, args.max_length) for rows in (train_rows, dev_rows))
    data = {p: dynamic if PIPELINES[p]["dynamic"] else static for p in PIPELINES}
    lengths = np.array([len(x) for x in dynamic[0]["input_ids"]])
    print(f"{MODEL} on SST-2: {len(train_rows)} train, {len(dev_rows)} dev; train lengths "
          f"mean {lengths.mean():.1f}, max {lengths.max()} tokens; {torch.get_num_threads()} threads")

    # untimed warm-up of both code paths (thread pools, allocator, first-call costs)
    for pipeline, (train, _) in data.items():
        model, _ = load_for_classification(MODEL, TASK.num_labels, seed=args.seed)
        with tempfile.TemporaryDirectory() as tmp:
            warm = train.select(range(min(64, len(train))))
            make_trainer(pipeline, model, tokenizer, warm, args, tmp, max_steps=2).train()

    rows = {p: run(p, train, dev, tokenizer, args) for p, (train, dev) in data.items()}
    report(rows, args, len(train_rows), len(dev_rows), lengths)


def report(rows, args, n_train, n_dev, lengths):
    """Prints the ratios against the paper's pipeline and saves every arm's row with them."""
    ratio = rows["ours"]["train_examples_per_s"] / rows["paper"]["train_examples_per_s"]
    diff = rows["ours"]["dev_accuracy"] - rows["paper"]["dev_accuracy"]
    padding_only = rows["dynamic_random"]["train_examples_per_s"] / rows["paper"]["train_examples_per_s"]
    same_batches = rows["dynamic_random"]["dev_accuracy"] - rows["paper"]["dev_accuracy"]
    se = float(np.sqrt(2 * 0.85 * 0.15 / n_dev))  # s.e. of a difference of two ~85% accuracies
    print(f"ours / paper: x{ratio:.2f} train examples/s (target >= 1.5); "
          f"dev accuracy difference {diff:+.4f} (one s.e. of a difference ~ {se:.3f})")
    print(f"dynamic padding alone (same batches as paper): x{padding_only:.2f}, "
          f"dev accuracy difference {same_batches:+.4f}")
    result = {"model": MODEL, "task": "sst2", "train_examples": n_train, "dev_examples": n_dev,
              "max_length": args.max_length, "batch_size": args.batch, "learning_rate": args.lr,
              "warmup_ratio": args.warmup, "weight_decay": args.weight_decay, "epochs": 1, "seed": args.seed,
              "bf16": args.bf16,
              "mean_train_length": float(lengths.mean()), "max_train_length": int(lengths.max()),
              "threads": torch.get_num_threads(), "processor": platform.processor() or platform.machine(),
              "rows": list(rows.values()), "speedup_train_examples_per_s": ratio,
              "dev_accuracy_difference": diff, "dev_accuracy_se_of_difference": se,
              "speedup_dynamic_padding_only": padding_only, "dev_accuracy_difference_same_batches": same_batches,
              "env": environment(),
              "note": args.note}
    Path(args.out).parent.mkdir(exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1))
    print(f"saved {args.out}")


if __name__ == "__main__":
    main()
