"""Which precision to train and time in: what the hardware does well.

bf16 autocast is 6x faster than fp32 on a CPU with native bf16 (AVX512-BF16 or AMX) and about
100x slower on one without (0.8 against 77 GFLOP/s for a 1024^3 matmul on an AVX2 CPU), where
PyTorch emulates it. So "auto" picks:

- a CUDA GPU: bf16 where it supports it, else fp16 with loss scaling (a Colab T4);
- a CPU: bf16 only when PyTorch dispatches AVX-512 kernels and the CPU has AVX512-BF16 or AMX;
  fp32 on any other (AVX2 laptops, most Intel consumer CPUs since 2021, AMD before Zen 4).

Precision is a choice of speed, not of the experiment: it is recorded with every run (`env`),
not part of the run id (the appendix pairs runs of both by seed: no task is shown apart from 0).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Literal

import torch

PrecisionName = Literal["fp32", "bf16", "fp16"]
CHOICES = ("auto", "fp32", "bf16", "fp16")
ENV_VAR = "POORMAN_PRECISION"  # overrides a profile's choice, e.g. to force fp32 everywhere


@dataclass(frozen=True)
class Precision:
    name: PrecisionName
    reason: str

    @property
    def dtype(self) -> torch.dtype:
        return {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[self.name]

    def trainer_flags(self) -> dict[str, bool]:
        """TrainingArguments' switches: autocast in bf16, or in fp16 with a loss scaler."""
        return {"bf16": self.name == "bf16", "fp16": self.name == "fp16"}

    def describe(self) -> str:
        return f"precision {self.name} ({self.reason})"


def cpu_has_native_bf16() -> bool:
    """True when PyTorch runs AVX-512 kernels here and the CPU computes bf16 natively.

    The capability comes first: with ATEN_CPU_CAPABILITY=avx2 (or on an AVX2 CPU) torch does not
    use the AVX-512 paths, and bf16 is emulated however the CPU is built."""
    if not torch.backends.cpu.get_cpu_capability().startswith("AVX512"):
        return False
    probes = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(getattr(torch.cpu, name, lambda: False)() for name in probes)


def _auto(device_type: str) -> Precision:
    if device_type == "cuda":
        if torch.cuda.is_bf16_supported():
            return Precision("bf16", f"{torch.cuda.get_device_name(0)} supports bf16")
        return Precision("fp16", f"{torch.cuda.get_device_name(0)} has no bf16: fp16 with loss scaling")
    if device_type == "cpu" and cpu_has_native_bf16():
        return Precision("bf16", "CPU with native bf16 (AVX512-BF16 or AMX)")
    capability = torch.backends.cpu.get_cpu_capability() if device_type == "cpu" else device_type
    return Precision("fp32", f"no native bf16 on this {device_type} ({capability}): bf16 would be emulated")


def choose_precision(requested: str = "auto", device_type: str | None = None) -> Precision:
    """The precision to use: `requested` unless it is "auto" (or $POORMAN_PRECISION says otherwise).

    requested: "auto", "fp32", "bf16" or "fp16". device_type: "cuda" or "cpu"; by default the
    device the Trainer would pick (CUDA when available)."""
    requested = os.environ.get(ENV_VAR) or requested
    if requested not in CHOICES:
        raise ValueError(f"precision {requested!r} is not one of {', '.join(CHOICES)}"
                         f"{f' (from ${ENV_VAR})' if os.environ.get(ENV_VAR) else ''}")
    device_type = device_type or ("cuda" if torch.cuda.is_available() else "cpu")
    if requested == "auto":
        return _auto(device_type)
    if requested == "fp16" and device_type == "cpu":
        raise ValueError("precision fp16 needs a GPU: PyTorch's CPU autocast and loss scaling are for bf16; "
                         "use auto, fp32 or bf16 on a CPU")
    return Precision(requested, "asked for")  # type: ignore[arg-type]
