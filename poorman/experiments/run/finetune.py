"""One run: RunSpec in, RunRecord out. Load the model, drop the planned layers, fine-tune with
Trainer, evaluate, measure the checkpoint as saved.

The spec is planned already (planning.py: its task resolved, its dropped layers fixed, its data
source named), so nothing here chooses layers or reads the run store: the scheduler
(schedule.py) plans, locks and writes every record. The record holds the spec, the dropped and
kept layers, every metric and the headline score, timings, parameters, the latency and size of
the checkpoint as saved, and the environment, precision included.
"""

from __future__ import annotations

import copy
import os
import platform
import subprocess
import tempfile
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import torch
from transformers import AutoModelForSequenceClassification, DataCollatorWithPadding, set_seed

from ...core.measure import count_parameters, folder_bytes, latency
from ...core.precision import Precision
from ...core.surgery import drop_layers, get_adapter
from ..data import load_split, reading, tokenize
from ..models import load_for_classification
from .similarity import layer_similarity
from .spec import RunRecord, RunSpec
from .training import (ConcurrencySampler, evaluate, freeze, make_trainer, train, trained_model,
                       training_arguments)


def environment(parallel_runs: int = 1, precision: Precision | None = None) -> dict:
    """Versions, hardware, precision, commit and date. parallel_runs: the most trainings (this one
    included) seen running at once on this machine in this store, so timings mean per-process speed."""
    try:
        # poorman's own checkout, wherever the sweep is started from (None when installed from a wheel)
        commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5,
                                cwd=os.path.dirname(os.path.abspath(__file__))).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        commit = None
    import datasets
    import transformers

    from ... import __version__
    return {"poorman": __version__, "torch": torch.__version__, "transformers": transformers.__version__,
            "datasets": datasets.__version__, "python": platform.python_version(),
            "machine": platform.machine(), "processor": platform.processor() or platform.machine(),
            "cpu_threads": torch.get_num_threads(), "parallel_runs": parallel_runs,
            "cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "precision": precision.name if precision else "fp32",
            "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
            "git_commit": commit, "date": datetime.now(timezone.utc).isoformat(timespec="seconds")}


def prepare_model(spec: RunSpec):
    """(model, tokenizer, layers before the drop): the pre-trained model with its new head, pruned
    as planned, with the spec's frozen parts frozen."""
    task = spec.resolved_task
    # your own data's checkpoints name their labels; GLUE's config (and checkpoint_bytes) stay as they were
    model, tokenizer = load_for_classification(spec.model, task.num_labels, seed=spec.seed,
                                               label_names=task.label_names if task.own_spec else ())
    num_layers = get_adapter(model).num_layers(model)
    drop_layers(model, spec.planned_layers, strategy=spec.strategy)
    freeze(model, spec.train)
    return model, tokenizer, num_layers


def load_data(spec: RunSpec, tokenizer):
    """Tokenized (train data, {eval split: data}), read from the spec's data source.
    `subsample_seed` fixes which training examples are used, so that seeds differ only in
    initialisation and order."""
    task, cfg, where = spec.resolved_task, spec.train, reading(spec.data)
    sample_seed = cfg.get("subsample_seed")
    train_rows = load_split(task, "train", max_examples=cfg["max_train"],
                            seed=spec.seed if sample_seed is None else sample_seed, **where)
    evals = {split: load_split(task, split, max_examples=cfg["max_eval"], seed=0, **where)
             for split in task.eval_splits}
    n = cfg["max_length"]
    return tokenize(train_rows, tokenizer, task, n), {s: tokenize(d, tokenizer, task, n) for s, d in evals.items()}


def similarity_to_pretrained(pretrained, model, evals, tokenizer):
    """Per layer, how much fine-tuning changed it (CKA, cosine) on up to 128 eval examples."""
    sample = next(iter(evals.values()))
    collate = DataCollatorWithPadding(tokenizer)
    feats = [{k: v for k, v in ex.items() if k != "labels"} for ex in sample.select(range(min(128, len(sample))))]
    return layer_similarity(pretrained, model, [collate(feats[i:i + 32]) for i in range(0, len(feats), 32)])


def measure_saved(model, lat, precision: Precision | None = None):
    """Checkpoint bytes and latency of the model as saved: written with save_pretrained, read back
    with plain from_pretrained (float32, free of any autocast left by training), timed in the
    precision the runs use (None: fp32)."""
    with tempfile.TemporaryDirectory() as tmp:
        model.save_pretrained(tmp, safe_serialization=True)
        size = folder_bytes(tmp)
        saved = AutoModelForSequenceClassification.from_pretrained(tmp, trust_remote_code=False).to(next(model.parameters()).device)
    if count_parameters(saved) != count_parameters(model):
        raise RuntimeError(f"the saved checkpoint does not reload as the trained {type(model).__name__}")
    return size, latency(saved, lat["batch_size"], lat["seq_len"], lat["repeats"], lat["warmup"],
                         precision.name if precision else None)


def train_and_evaluate(spec: RunSpec, *, latency_settings: dict, precision: Precision | None = None,
                       save_to: str | Path | None = None, verbose: bool = False,
                       parallel_runs: Callable[[], int] = lambda: 1) -> RunRecord:
    """Fine-tune and evaluate one planned run and return its record; the store is the caller's.

    latency_settings: the profile's `latency` (batch_size, seq_len, repeats, warmup). precision:
    the autocast to train and time in (core/precision.py; None: fp32). save_to: a folder to save the fine-tuned model and its tokenizer in
    (from_pretrained reloads it). verbose: the Trainer's own progress bars and metric dicts.
    parallel_runs: how many trainings run at once on this machine now, this one included."""
    set_seed(spec.seed)
    model, tokenizer, depth = prepare_model(spec)
    pretrained = copy.deepcopy(model).eval() if not spec.planned_layers else None  # for the layer-change analysis
    train_data, evals = load_data(spec, tokenizer)
    concurrency = ConcurrencySampler(parallel_runs)
    with tempfile.TemporaryDirectory() as tmp:
        args = training_arguments(spec.train, tmp, spec.seed, precision=precision, progress=verbose)
        trainer = make_trainer(model, tokenizer, spec.resolved_task, train_data, args, verbose=verbose,
                               callbacks=[concurrency])
        train_loss, train_seconds = train(trainer)
        metrics, eval_seconds = evaluate(trainer, evals)
    model = trained_model(trainer)
    if save_to:
        model.save_pretrained(save_to)
        tokenizer.save_pretrained(save_to)
    similarity = similarity_to_pretrained(pretrained, model, evals, tokenizer) if pretrained is not None else None
    checkpoint_bytes, saved_latency = measure_saved(model, latency_settings, precision)
    dropped = spec.planned_layers
    return RunRecord(
        run_id=spec.run_id, config=spec, original_layers=depth, num_layers=depth - len(dropped),
        dropped=dropped, kept=[i for i in range(depth) if i not in dropped],
        layer_scores=list(spec.scores) if spec.scores is not None else None,
        metrics=metrics, train_loss=train_loss, layer_similarity_to_pretrained=similarity,
        num_train_examples=len(train_data), num_eval_examples={s: len(d) for s, d in evals.items()},
        timing={"train_seconds": train_seconds, "eval_seconds": eval_seconds,
                "train_examples_per_s": len(train_data) * spec.train["epochs"] / train_seconds},
        params=count_parameters(model), latency=saved_latency, checkpoint_bytes=checkpoint_bytes,
        env=environment(parallel_runs=concurrency.most, precision=precision))
