"""How much smaller and faster: parameters, checkpoint size, latency, ideal FLOP speed-up."""

from __future__ import annotations

import contextlib
import statistics
import tempfile
import time
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode

from .precision import choose_precision
from .surgery import get_adapter


def _unique_numel(params):
    seen, total = set(), 0
    for p in params:
        if id(p) not in seen:  # tied weights count once
            seen.add(id(p))
            total += p.numel()
    return total


def count_parameters(model):
    """Total parameters, split into embeddings, the layer stack and the rest (head, pooler, norms)."""
    layers = {id(p) for p in get_adapter(model).layer_list(model).parameters()}
    base = getattr(model, "base_model", model)
    # BERT-style: the `embeddings` block; otherwise (GPT-2's wte + wpe, Llama's embed_tokens)
    # the embedding tables that hang directly off the base model.
    emb_modules = [base.embeddings] if isinstance(getattr(base, "embeddings", None), torch.nn.Module) else \
        [m for m in base.children() if isinstance(m, torch.nn.Embedding)]
    emb_modules.append(model.get_input_embeddings())
    embeddings = {id(p) for m in emb_modules for p in m.parameters()}
    allp = list(model.parameters())
    total = _unique_numel(allp)
    n_layers = _unique_numel(p for p in allp if id(p) in layers)
    n_emb = _unique_numel(p for p in allp if id(p) in embeddings and id(p) not in layers)
    return {"total": total, "embeddings": n_emb, "layers": n_layers, "other": total - n_layers - n_emb}


def folder_bytes(folder):
    """Bytes of every file under `folder`, e.g. a saved checkpoint."""
    return sum(f.stat().st_size for f in Path(folder).rglob("*") if f.is_file())


def checkpoint_size(model):
    """Bytes on disk of `save_pretrained` (safetensors)."""
    with tempfile.TemporaryDirectory() as tmp:
        model.save_pretrained(tmp, safe_serialization=True)
        return folder_bytes(tmp)


def dummy_inputs(model, batch_size, seq_len):
    vocab = model.config.vocab_size
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(5, min(vocab, 1000), (batch_size, seq_len), generator=g)
    device = next(model.parameters()).device
    return {"input_ids": ids.to(device), "attention_mask": torch.ones_like(ids).to(device)}


def forward_flops(model, batch_size=8, seq_len=128):
    """FLOPs of one forward pass, counted by torch's FlopCounterMode."""
    inputs = dummy_inputs(model, batch_size, seq_len)
    counter = FlopCounterMode(display=False)
    with torch.inference_mode(), counter:
        model(**inputs)
    return counter.get_total_flops()


def _autocast_dtype(device_type):
    """The dtype autocast computes in on `device_type`, or None when autocast is off."""
    try:
        enabled = torch.is_autocast_enabled(device_type)
    except TypeError:  # torch < 2.4 knows only the cpu and cuda flags
        enabled = torch.is_autocast_cpu_enabled() if device_type == "cpu" else torch.is_autocast_enabled()
    if not enabled:
        return None
    getter = getattr(torch, "get_autocast_dtype", None)
    return str(getter(device_type)).replace("torch.", "") if getter else "unknown"


@contextlib.contextmanager
def autocast_probe(model, device_type):
    """Yields a list that gets the autocast dtype (None: off) seen inside the model's first forward.

    It is read inside the model (at its input embeddings), because a training loop (accelerate,
    behind HF Trainer with bf16=True) can leave the forward pass itself wrapped in autocast."""
    seen = []

    def record(module, args):  # returns None: the inputs pass unchanged
        if not seen:
            seen.append(_autocast_dtype(device_type))

    hook = model.get_input_embeddings().register_forward_pre_hook(record)
    try:
        yield seen
    finally:
        hook.remove()


@torch.inference_mode()
def time_forwards(calls, repeats=10, warmup=3):
    """Wall milliseconds of each (model, inputs) forward pass, `repeats` times after `warmup`
    untimed rounds. Several models are timed round-robin, so machine noise hits them alike."""
    synced = any(x["input_ids"].is_cuda for _, x in calls)
    sync = torch.cuda.synchronize if synced else (lambda: None)
    times = [[] for _ in calls]
    for round_ in range(warmup + repeats):
        for i, (model, inputs) in enumerate(calls):
            sync()
            start = time.perf_counter()
            model(**inputs)
            sync()
            if round_ >= warmup:
                times[i].append((time.perf_counter() - start) * 1000)
    return times


def latency(model, batch_size=8, seq_len=128, repeats=10, warmup=3, precision: str | None = None) -> dict:
    """Median wall time of one forward pass, in milliseconds, after warm-up; with the dtype of the
    weights and the autocast dtype (None: off) that the forward passes ran under.

    precision: None times the model as it is; "auto" in what this hardware does well (bf16 on
    a CPU with native bf16 or a recent GPU, fp32 on other CPUs: core/precision.py), or "fp32",
    "bf16", "fp16" as named."""
    was_training = model.training
    model.eval()
    inputs = dummy_inputs(model, batch_size, seq_len)
    device_type = inputs["input_ids"].device.type
    try:
        with autocast_for(precision, device_type), autocast_probe(model, device_type) as autocast:
            times = time_forwards([(model, inputs)], repeats, warmup)[0]
    finally:
        model.train(was_training)
    return {"median_ms": statistics.median(times), "times_ms": times, "batch_size": batch_size,
            "seq_len": seq_len, "dtype": str(next(model.parameters()).dtype).replace("torch.", ""),
            "autocast": autocast[0] if autocast else None}


def autocast_for(precision, device_type):
    """Autocast in `precision` (see latency), or nothing for None and fp32: one context for every
    timing, so that a variant table and a record time the same way."""
    chosen = choose_precision(precision, device_type) if precision else None
    if chosen is None or chosen.name == "fp32":
        return contextlib.nullcontext()
    return torch.autocast(device_type, dtype=chosen.dtype)


def measure(model: torch.nn.Module, *, batch_size: int = 8, seq_len: int = 128, repeats: int = 10, warmup: int = 3,
            size: bool = True, timing: bool = True, precision: str | None = "auto") -> dict:
    """Parameters, checkpoint bytes, FLOPs and (optionally) latency of one model; the latency in
    the precision this hardware would run it in unless `precision` says otherwise (see latency)."""
    out = {"num_layers": get_adapter(model).num_layers(model),
           "params": count_parameters(model),
           "flops": forward_flops(model, batch_size, seq_len)}
    if size:
        out["checkpoint_bytes"] = checkpoint_size(model)
    if timing:
        out["latency"] = latency(model, batch_size, seq_len, repeats, warmup, precision)
    return out


def ideal_speedup(full, pruned):
    """FLOP ratio full/pruned: the speed-up a perfect kernel would give."""
    return full["flops"] / pruned["flops"]
