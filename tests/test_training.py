"""Fine-tuning stages: one TrainingArguments builder, a quiet Trainer, and the latency of the model
as saved (not under the autocast that bf16 training leaves behind)."""

import ast
from pathlib import Path

import pytest
import torch
from datasets import Dataset
from transformers import PrinterCallback, ProgressCallback, TrainingArguments

from poorman.core.measure import latency
from poorman.core.precision import Precision
from poorman.experiments.run import training
from poorman.experiments.run.finetune import measure_saved
from poorman.experiments.models import load_for_classification
from poorman.experiments.profiles import load_profile
from poorman.experiments.data.tasks import get_task

ROOT = Path(__file__).resolve().parents[1]
RTE = get_task("rte")


def _train_cfg(**changes):
    return {**load_profile("smoke").train, **changes}


def _tiny_data(tokenizer, n=16):
    rows = {"sentence1": [f"a cat sat {i}" for i in range(n)], "sentence2": ["a cat" for _ in range(n)],
            "label": [i % 2 for i in range(n)]}
    return Dataset.from_dict(rows).map(
        lambda b: tokenizer(b["sentence1"], b["sentence2"], truncation=True, max_length=32), batched=True,
        remove_columns=["sentence1", "sentence2"]).rename_column("label", "labels")


def test_training_arguments_carry_the_profile_settings(tmp_path):
    cfg = _train_cfg(group_by_length=True, warmup_ratio=0.25, weight_decay=0.01, epochs=2)
    args = training.training_arguments(cfg, tmp_path, seed=7)
    assert isinstance(args, TrainingArguments)
    assert (args.per_device_train_batch_size, args.learning_rate, args.num_train_epochs) == (8, 1e-3, 2)
    assert (args.seed, args.data_seed, args.weight_decay, args.save_strategy) == (7, 7, 0.01, "no")
    assert args.disable_tqdm and not args.bf16 and args.report_to == []
    fields = TrainingArguments.__dataclass_fields__
    if "train_sampling_strategy" in fields:  # transformers 5
        assert args.train_sampling_strategy == "group_by_length"
    else:
        assert args.group_by_length
    assert getattr(args, "warmup_ratio", None) == 0.25 or args.warmup_steps == 0.25
    changed = training.training_arguments(cfg, tmp_path, seed=7, max_steps=3, progress=True)
    assert changed.max_steps == 3 and not changed.disable_tqdm


def test_benchmarks_import_only_public_names():
    private = []
    for path in sorted((ROOT / "benchmarks").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("poorman"):
                private += [f"{path.name}: {node.module}.{a.name}" for a in node.names if a.name.startswith("_")]
    assert not private, private


@pytest.mark.parametrize("module", ["experiments/run/finetune.py", "experiments/sweep/grid.py", "experiments/run/training.py",
                                    "experiments/sweep/schedule.py", "experiments/store/records.py", "experiments/store/locks.py",
                                    "core/measure.py", "experiments/speed.py"])
def test_engine_functions_are_short(module):
    tree = ast.parse((ROOT / "poorman" / module).read_text())
    long = [f"{n.name}: {n.end_lineno - n.lineno + 1} lines" for n in ast.walk(tree)
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.end_lineno - n.lineno + 1 > 40]
    assert not long, long


def test_a_quiet_trainer_prints_no_metric_dicts_and_no_bars(tmp_path, capfd):
    model, tokenizer = load_for_classification("tiny-random/bert", 2)
    args = training.training_arguments(_train_cfg(), tmp_path, seed=42)
    trainer = training.make_trainer(model, tokenizer, RTE, _tiny_data(tokenizer), args)
    kinds = {type(c) for c in trainer.callback_handler.callbacks}
    assert not kinds & {PrinterCallback, ProgressCallback}
    loss, seconds = training.train(trainer)
    metrics, _ = training.evaluate(trainer, {"validation": _tiny_data(tokenizer, 8)})
    out = capfd.readouterr()
    assert "train_runtime" not in out.out + out.err and "eval_" not in out.out + out.err
    assert loss > 0 and seconds > 0 and set(metrics) == {"accuracy", "score"}
    verbose = training.make_trainer(model, tokenizer, RTE, _tiny_data(tokenizer), args, verbose=True)
    assert {type(c) for c in verbose.callback_handler.callbacks} & {PrinterCallback, ProgressCallback}


def test_quiet_libraries_restores_what_it_turned_off():
    import datasets
    from transformers.utils import logging
    before = datasets.is_progress_bar_enabled(), logging.is_progress_bar_enabled(), logging.get_verbosity()
    with training.quiet_libraries():
        assert not datasets.is_progress_bar_enabled() and not logging.is_progress_bar_enabled()
    assert (datasets.is_progress_bar_enabled(), logging.is_progress_bar_enabled(), logging.get_verbosity()) == before


@pytest.fixture(scope="module")
def bf16_trained(tmp_path_factory):
    """A tiny BERT after Trainer(bf16=True): accelerate leaves its forward pass wrapped in autocast."""
    model, tokenizer = load_for_classification("tiny-random/bert", 2)
    args = training.training_arguments(_train_cfg(), tmp_path_factory.mktemp("out"), seed=42,
                                       precision=Precision("bf16", "test"))
    training.train(training.make_trainer(model, tokenizer, RTE, _tiny_data(tokenizer), args))
    return model


def test_latency_says_it_ran_under_leftover_autocast(bf16_trained):
    out = latency(bf16_trained, batch_size=2, seq_len=8, repeats=2, warmup=0)
    assert out["dtype"] == "float32" and out["autocast"] == "bfloat16"
    plain, _ = load_for_classification("tiny-random/bert", 2)
    assert latency(plain, batch_size=2, seq_len=8, repeats=1, warmup=0)["autocast"] is None
    with torch.autocast("cpu", dtype=torch.bfloat16):
        assert latency(plain, batch_size=2, seq_len=8, repeats=1, warmup=0)["autocast"] == "bfloat16"


def test_records_time_the_saved_model_without_autocast(bf16_trained):
    size, lat = measure_saved(bf16_trained, {"batch_size": 2, "seq_len": 8, "repeats": 2, "warmup": 0})
    assert lat["dtype"] == "float32" and lat["autocast"] is None and lat["median_ms"] > 0
    assert size > 4 * sum(p.numel() for p in bf16_trained.parameters())  # float32 weights, saved
