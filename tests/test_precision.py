"""Precision chosen by the hardware (core/precision.py): a test per branch, the fp32 one for real
on an AVX2-only torch, and a profile's choice reaching the Trainer and the record."""

import os
import subprocess
import sys

import pytest
import torch

from poorman.core import precision as P
from poorman.core.measure import latency
from poorman.experiments.models import load_for_classification
from poorman.experiments.run.training import training_arguments


def _cpu(monkeypatch, capability, bf16=False, amx=False):
    monkeypatch.delenv(P.ENV_VAR, raising=False)
    monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: capability)
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: bf16, raising=False)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: amx, raising=False)


@pytest.mark.parametrize("capability,bf16,amx,expected", [
    ("AVX2", True, True, "fp32"),        # torch runs AVX2 kernels: bf16 is emulated, however the CPU is built
    ("AVX512", False, False, "fp32"),    # AVX-512 without BF16 (Skylake-X, Zen 3 servers)
    ("AVX512", True, False, "bf16"),     # AVX512-BF16 (Cooper Lake, Zen 4)
    ("AVX512", False, True, "bf16"),     # AMX (Sapphire Rapids)
    ("DEFAULT", False, False, "fp32"),
])
def test_auto_on_a_cpu_follows_native_bf16(monkeypatch, capability, bf16, amx, expected):
    _cpu(monkeypatch, capability, bf16, amx)
    chosen = P.choose_precision("auto", "cpu")
    assert chosen.name == expected
    if expected == "fp32":  # the terminal says why
        assert capability in chosen.describe() and "emulated" in chosen.describe()


@pytest.mark.parametrize("bf16_ok,expected", [(True, "bf16"), (False, "fp16")])
def test_auto_on_a_gpu_is_bf16_or_fp16_with_loss_scaling(monkeypatch, bf16_ok, expected):
    monkeypatch.delenv(P.ENV_VAR, raising=False)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: bf16_ok)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda *a: "Tesla T4")
    chosen = P.choose_precision("auto", "cuda")
    assert chosen.name == expected
    assert chosen.trainer_flags() == {"bf16": expected == "bf16", "fp16": expected == "fp16"}


def test_a_named_precision_and_the_variable_win_over_auto(monkeypatch):
    _cpu(monkeypatch, "AVX2")
    assert P.choose_precision("bf16", "cpu").name == "bf16"
    monkeypatch.setenv(P.ENV_VAR, "fp32")
    assert P.choose_precision("bf16", "cpu").name == "fp32"


def test_bad_precisions_are_refused_with_the_choices(monkeypatch):
    monkeypatch.delenv(P.ENV_VAR, raising=False)
    with pytest.raises(ValueError, match="auto, fp32, bf16, fp16"):
        P.choose_precision("half", "cpu")
    with pytest.raises(ValueError, match="needs a GPU"):
        P.choose_precision("fp16", "cpu")
    monkeypatch.setenv(P.ENV_VAR, "fp8")
    with pytest.raises(ValueError, match=r"\$POORMAN_PRECISION"):
        P.choose_precision("auto", "cpu")


def test_on_an_avx2_torch_auto_is_fp32_for_real():
    """A fresh interpreter whose torch and oneDNN run AVX2 kernels, as on most laptops."""
    env = {**os.environ, "ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2"}
    env.pop(P.ENV_VAR, None)
    code = ("import torch; from poorman.core.precision import choose_precision as c; "
            "print(torch.backends.cpu.get_cpu_capability(), c('auto', 'cpu').name)")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["AVX2", "fp32"]


def test_trainer_flags_follow_the_precision(tmp_path):
    cfg = {"batch_size": 2, "learning_rate": 1e-4, "epochs": 1}
    assert not training_arguments(cfg, tmp_path, 1).bf16
    args = training_arguments(cfg, tmp_path, 1, precision=P.Precision("bf16", "test"))
    assert args.bf16 and not args.fp16


def test_latency_runs_in_the_precision_asked_for(monkeypatch):
    monkeypatch.delenv(P.ENV_VAR, raising=False)
    model, _ = load_for_classification("tiny-random/bert", 2)
    assert latency(model, 2, 8, repeats=1, warmup=0)["autocast"] is None
    assert latency(model, 2, 8, repeats=1, warmup=0, precision="fp32")["autocast"] is None
    assert latency(model, 2, 8, repeats=1, warmup=0, precision="bf16")["autocast"] == "bfloat16"
    _cpu(monkeypatch, "AVX2")
    assert latency(model, 2, 8, repeats=1, warmup=0, precision="auto")["autocast"] is None
