"""Size and speed of every model variant of a profile, measured side by side and cached.

Latency depends on how many layers remain, not on which, so one variant per K
(top-dropped) stands for all strategies. All variants are timed round-robin in
one process, so machine noise hits them alike; the table is cached in the run
store per hardware, since latencies only compare on the same machine.
"""

import copy
import platform
import statistics

import torch

from ..core.measure import autocast_for, checkpoint_size, count_parameters, dummy_inputs, forward_flops, time_forwards
from ..core.precision import choose_precision
from ..core.strategies import select_layers
from ..core.surgery import drop_layers, get_adapter
from .models import load_pretrained
from .store import records


def _variants(profile):
    for model_id in profile.prune_models:
        base = load_pretrained(model_id).eval()
        L = get_adapter(base).num_layers(base)
        yield model_id, "baseline", 0, base
        for k in profile.ks_for(model_id):
            pruned = drop_layers(copy.deepcopy(base), select_layers("top", L, k), strategy="top")
            yield model_id, "pruned", k, pruned
    for model_id in profile.reference_models:
        yield model_id, "reference", 0, load_pretrained(model_id).eval()


@torch.inference_mode()
def measure_variants(profile, rounds=None):
    """Rows of variant_table, timed round-robin in the precision the profile's runs use here."""
    lat = profile.latency
    batch, seq = lat["batch_size"], lat["seq_len"]
    rows, calls = [], []
    device = "cuda" if torch.cuda.is_available() else "cpu"
    for model_id, role, k, model in _variants(profile):
        model.to(device)
        rows.append({"model": model_id, "role": role, "k": k, "num_layers": get_adapter(model).num_layers(model),
                     "params": count_parameters(model)["total"], "checkpoint_bytes": checkpoint_size(model),
                     "gflops": forward_flops(model, batch, seq) / 1e9})
        calls.append((model, dummy_inputs(model, batch, seq)))
    with autocast_for(profile.precision, device):
        times = time_forwards(calls, repeats=rounds or lat["repeats"], warmup=lat["warmup"])
    for row, t in zip(rows, times):
        row["latency_ms"] = statistics.median(t)
    return rows


def variant_table(profile, store_dir=None):
    """Cached list of dicts: model, role, k, num_layers, params, checkpoint_bytes, gflops, latency_ms,
    and the precision the latencies were timed in (the profile's, as this hardware resolves it)."""
    store_dir = store_dir or records.results_dir(profile.name)
    key = {"prune": profile.prune_models, "model_ks": profile.model_ks, "ks": profile.ks,
           "reference": profile.reference_models, "latency": profile.latency,
           "hardware": {"processor": platform.processor() or platform.machine(),
                        "threads": torch.get_num_threads(), "torch": torch.__version__,
                        "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None}}
    precision = choose_precision(profile.precision).name
    if precision != "fp32":  # fp32 keeps the key it had before precision was chosen, and its tables
        key["precision"] = precision
    rows = records.cached(store_dir, "variant_table", key, lambda: measure_variants(profile))
    return [{**row, "precision": precision} for row in rows]   # what the latencies were timed in
