"""The GPU levers (training.gpu_levers) keep the recipe's numbers: checked on a CPU, where each
lever can run, against the plain Trainer on a tiny model."""

import pytest
import torch
from datasets import Dataset

from poorman.experiments.run import training
from poorman.experiments.models import load_for_classification
from poorman.experiments.data.tasks import get_task

RTE = get_task("rte")
CFG = {"batch_size": 4, "learning_rate": 1e-3, "epochs": 1, "weight_decay": 0.01, "warmup_ratio": 0.0}


def _data(tokenizer, n=24):
    rows = {"sentence1": [f"a cat sat on mat {i}" for i in range(n)], "sentence2": ["a cat" * (1 + i % 3) for i in range(n)],
            "label": [i % 2 for i in range(n)]}
    return Dataset.from_dict(rows).map(
        lambda b: tokenizer(b["sentence1"], b["sentence2"], truncation=True, max_length=32), batched=True,
        remove_columns=["sentence1", "sentence2"]).rename_column("label", "labels")


def _train(tmp_path, **changes):
    torch.manual_seed(0)
    model, tokenizer = load_for_classification("tiny-random/bert", 2, seed=42)
    data = _data(tokenizer)
    args = training.training_arguments(CFG, tmp_path / str(len(changes)), seed=42, use_cpu=True, **changes)
    trainer = training.make_trainer(model, tokenizer, RTE, data, args)
    loss, _ = training.train(trainer)
    metrics, _ = training.evaluate(trainer, {"validation": data})
    return loss, metrics, torch.cat([p.detach().flatten() for p in model.parameters()])


def test_the_levers_are_what_a_gpu_gets():
    assert training.gpu_levers({"batch_size": 8}) == {
        "logging_nan_inf_filter": False, "optim": "adamw_torch_fused", "per_device_eval_batch_size": 64}


def test_no_nan_check_and_larger_eval_batches_change_no_number(tmp_path):
    plain = _train(tmp_path)
    lean = _train(tmp_path, logging_nan_inf_filter=False, per_device_eval_batch_size=64)
    assert lean[0] == plain[0] and torch.equal(lean[2], plain[2])  # the same model, bit for bit
    assert lean[1] == pytest.approx(plain[1], abs=1e-6)


def test_fused_adamw_equals_the_default_up_to_rounding(tmp_path):
    plain = _train(tmp_path)
    fused = _train(tmp_path, optim="adamw_torch_fused")
    assert fused[0] == pytest.approx(plain[0], rel=1e-4)
    assert torch.allclose(fused[2], plain[2], atol=1e-5)
