"""How much smaller and faster: parameters, checkpoint size, latency, ideal FLOP speed-up."""

import statistics
import tempfile
import time
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode

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


def checkpoint_size(model):
    """Bytes on disk of `save_pretrained` (safetensors)."""
    with tempfile.TemporaryDirectory() as tmp:
        model.save_pretrained(tmp, safe_serialization=True)
        return sum(f.stat().st_size for f in Path(tmp).rglob("*") if f.is_file())


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


@torch.inference_mode()
def latency(model, batch_size=8, seq_len=128, repeats=10, warmup=3):
    """Median wall time of one forward pass, in milliseconds, after warm-up."""
    was_training = model.training
    model.eval()
    inputs = dummy_inputs(model, batch_size, seq_len)
    sync = torch.cuda.synchronize if inputs["input_ids"].is_cuda else (lambda: None)
    times = []
    for i in range(warmup + repeats):
        sync()
        start = time.perf_counter()
        model(**inputs)
        sync()
        if i >= warmup:
            times.append((time.perf_counter() - start) * 1000)
    model.train(was_training)
    return {"median_ms": statistics.median(times), "times_ms": times,
            "batch_size": batch_size, "seq_len": seq_len}


def measure(model, *, batch_size=8, seq_len=128, repeats=10, warmup=3, size=True, timing=True):
    """Parameters, checkpoint bytes, FLOPs and (optionally) latency of one model."""
    out = {"num_layers": get_adapter(model).num_layers(model),
           "params": count_parameters(model),
           "flops": forward_flops(model, batch_size, seq_len)}
    if size:
        out["checkpoint_bytes"] = checkpoint_size(model)
    if timing:
        out["latency"] = latency(model, batch_size, seq_len, repeats, warmup)
    return out


def ideal_speedup(full, pruned):
    """FLOP ratio full/pruned: the speed-up a perfect kernel would give."""
    return full["flops"] / pruned["flops"]
