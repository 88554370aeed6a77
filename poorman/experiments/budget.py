"""What a profile costs on a GPU, computed from FLOPs: no GPU is needed to plan one.

A training step costs 6 x (matmul parameters) x (padded tokens) FLOPs, forward plus backward,
plus the attention matmuls (QK^T and AV: 12 x layers x hidden x s per token for a batch padded
to s); evaluation is the forward third of that. Time = FLOPs / (peak x MFU), the assumed
model-FLOPs utilisation, plus the AdamW update, which is bound by memory bandwidth (fp32
weights, grads and two moments: ~32 bytes per parameter per step). The host's
time per step (Python, kernel launches; measured on an H100, benchmarks/README.md P6) overlaps that
GPU work, since CUDA launches are asynchronous, so a training takes the longer of the two; then a
fixed per-training overhead (loading, the latency and checkpoint-size measurements). Padded tokens come from
`glue_lengths.json`, measured on the real GLUE train and dev sets by
benchmarks/glue_lengths.py. Runs that train the same model (same dropped layers) are counted
once, as the sweep trains them once; runs of the strategies that need the model (contribution,
angular: calibration; param-aggregation, param-variance: the weights) count as distinct, since
their layers are known only once the model is at hand, so the estimate is an upper bound there.
"""

import json
from dataclasses import dataclass
from importlib import resources

import numpy as np
import pandas as pd

from ..core.strategies import NEEDS_MODEL, select_layers
from .profiles import load_profile
from .data.tasks import get_task


@dataclass(frozen=True)
class Arch:
    layers: int
    hidden: int
    ffn: int
    vocab: int
    embedding: int = 0           # ALBERT factorises its embeddings: vocab x 128, then 128 -> hidden
    relative_positions: bool = False  # XLNet: keys for 2s relative positions, an extra score matmul

    def layer_matmul_params(self):
        extra = 2 * self.hidden ** 2 if self.relative_positions else 0  # W_r applied to 2s positions
        return 4 * self.hidden ** 2 + 2 * self.hidden * self.ffn + extra

    def total_params(self, layers, shared=False):
        """All trainable parameters (what AdamW updates): embeddings, layers, pooler and head."""
        emb = self.vocab * (self.embedding or self.hidden) + (self.embedding * self.hidden if self.embedding else 0)
        per_layer = 4 * self.hidden ** 2 + 2 * self.hidden * self.ffn
        return emb + (1 if shared else layers) * per_layer + self.hidden ** 2


# The paper's models, from their config.json on the Hub (hidden_size/d_model, intermediate_size/d_inner).
ARCHS = {
    "bert-base-uncased": Arch(12, 768, 3072, 30522),
    "roberta-base": Arch(12, 768, 3072, 50265),
    "xlnet-base-cased": Arch(12, 768, 3072, 32000, relative_positions=True),
    "albert-base-v2": Arch(12, 768, 3072, 30000, embedding=128),
    "distilbert-base-uncased": Arch(6, 768, 3072, 30522),
}


@dataclass(frozen=True)
class GPU:
    name: str
    peak: dict        # FLOP/s by precision
    bandwidth: float  # bytes/s


# NVIDIA T4 datasheet: 8.1 TFLOPS fp32, 65 TFLOPS fp16 tensor cores, 320 GB/s GDDR6.
T4 = GPU("NVIDIA T4", {"fp32": 8.1e12, "fp16": 65e12}, 320e9)
ASSUMED_MFU = {"fp32": 0.40, "fp16": 0.30}  # share of peak reached by BERT-base training steps
ADAMW_BYTES = 32        # read param, grad, m, v; write param, m, v; zero the grad: 8 x 4 bytes
BANDWIDTH_SHARE = 0.7   # of peak bandwidth that a fused elementwise optimizer reaches
# Host time per Trainer step, whatever the GPU: BERT-base at batch 8, padded to 128, ran 20 steps/s
# on an H100 (benchmarks/README.md, P6), where its FLOPs and AdamW update take ~3 ms of the 50.
# Colab's host CPUs were not measured; if slower, this is a floor.
STEP_OVERHEAD_S = 0.045
OVERHEAD_S = 15         # per training: load from the cache, latency and checkpoint-size measurement


def glue_lengths():
    """The measured padded lengths (benchmarks/glue_lengths.py), as shipped with the package."""
    with resources.files("poorman.experiments").joinpath("glue_lengths.json").open() as f:
        return json.load(f)


def arch_of(model_id):
    if model_id not in ARCHS:
        raise ValueError(f"no architecture on record for {model_id!r}; the estimate knows {', '.join(ARCHS)}")
    return ARCHS[model_id]


def step_flops(arch, layers, tokens, sq_tokens, train=True):
    """FLOPs of `layers` layers over `tokens` padded tokens (sq_tokens: sum of s^2 over sequences)."""
    dense = 2 * arch.layer_matmul_params() * layers * tokens
    # QK^T and AV: 2 x 2 x hidden x s^2 per layer and sequence; XLNet also scores 2s relative keys
    scores = (4 if arch.relative_positions else 2) * 2 * arch.hidden * layers * sq_tokens
    return (dense + scores) * (3 if train else 1)


def training_cost(model_id, k, task, train, lengths, gpu=T4, precision="fp32", mfu=None):
    """Seconds and FLOPs of one training (fine-tune + evaluate) of `model_id` with k layers dropped."""
    arch, task = arch_of(model_id), get_task(task).name
    if task not in lengths["tasks"]:
        raise ValueError(f"no measured lengths for {task}; benchmarks/glue_lengths.py measured {', '.join(lengths['tasks'])}")
    stats = lengths["tasks"][task]
    if train["max_length"] != lengths["max_length"] or train["batch_size"] != lengths["batch_size"]:
        raise ValueError(f"lengths were measured at max_length {lengths['max_length']}, batch "
                         f"{lengths['batch_size']}; this profile trains at {train['max_length']}, {train['batch_size']}")
    layers, epochs = arch.layers - k, train["epochs"]
    n_train = stats["n_train"] if train["max_train"] is None else min(stats["n_train"], train["max_train"])
    steps = epochs * int(np.ceil(n_train / train["batch_size"]))
    flops = step_flops(arch, layers, epochs * n_train * stats["train_mean"], epochs * n_train * stats["train_sq_mean"])
    flops += step_flops(arch, layers, stats["n_eval"] * stats["eval_mean"], stats["n_eval"] * stats["eval_sq_mean"],
                        train=False)
    compute_s = flops / (gpu.peak[precision] * (mfu or ASSUMED_MFU[precision]))
    optimizer_s = steps * ADAMW_BYTES * arch.total_params(layers, model_id.startswith("albert")) \
        / (gpu.bandwidth * BANDWIDTH_SHARE)
    host_s = max(0.0, steps * STEP_OVERHEAD_S - compute_s - optimizer_s)  # host steps beyond the GPU's work
    return {"flops": flops, "steps": steps, "compute_s": compute_s, "optimizer_s": optimizer_s, "host_s": host_s,
            "seconds": compute_s + optimizer_s + host_s + OVERHEAD_S}


def trainings(profile):
    """The profile's distinct trainings: one row per model the sweep trains, with how many runs share it."""
    from .sweep import expand_grid
    rows = {}
    for spec in expand_grid(load_profile(profile)):
        L = arch_of(spec.model).layers
        dropped = ("?", spec.strategy, spec.k) if spec.strategy in NEEDS_MODEL and spec.k else \
            tuple(select_layers(spec.strategy, L, spec.k) if spec.k else ())
        key = (spec.model, spec.task, spec.seed, dropped)
        row = rows.setdefault(key, {"model": spec.model, "task": spec.task, "seed": spec.seed,
                                    "k": spec.k, "role": spec.role, "runs": 0})
        row["runs"] += 1
    return pd.DataFrame(list(rows.values()))


def estimate(profile, gpu=T4, precision="fp32", mfu=None, lengths=None):
    """One row per distinct training, with its FLOPs and estimated seconds on `gpu`."""
    profile, lengths = load_profile(profile), lengths or glue_lengths()
    df = trainings(profile)
    costs = [training_cost(r.model, r.k, r.task, profile.train_for(r.task), lengths, gpu, precision, mfu)
             for r in df.itertuples()]
    return pd.concat([df, pd.DataFrame(costs)], axis=1)


def gpu_hours(profile, **kwargs):
    return float(estimate(profile, **kwargs)["seconds"].sum() / 3600)


def report(profile, gpu=T4):
    """A few lines: trainings, runs and GPU-hours as the profile trains (fp32) and with fp16."""
    fp32, fp16 = estimate(profile, gpu), estimate(profile, gpu, precision="fp16")
    per_model = (fp32.groupby("model")["seconds"].sum() / 3600).round(1)
    return "\n".join([
        f"{len(fp32)} trainings ({fp32.runs.sum()} runs), {fp32.seconds.sum() / 3600:.1f} GPU-hours on a {gpu.name} "
        f"in fp32 at {ASSUMED_MFU['fp32']:.0%} MFU",
        "per model: " + ", ".join(f"{m} {h} h" for m, h in per_model.items()),
        f"fp16 at {ASSUMED_MFU['fp16']:.0%} MFU would take {fp16.seconds.sum() / 3600:.1f} h"])


def measure_lengths(task, tokenizer, glue_dir, max_length=128, batch_size=8, eval_batch_size=32, orders=5):
    """Mean padded length per example (and of its square) under dynamic padding: training batches
    in random order (the paper's recipe samples at random), evaluation batches in file order."""
    from .data import load_split
    task = get_task(task)

    def lengths(split):
        data = load_split(task, split, glue_dir=glue_dir)
        enc = tokenizer(*[list(data[f]) for f in task.text_fields], truncation=True, max_length=max_length)
        return np.array([len(ids) for ids in enc["input_ids"]])

    def padded(n_tokens, batch, order):
        batches = [n_tokens[order[i:i + batch]] for i in range(0, len(order), batch)]
        per_example = np.concatenate([np.full(len(b), b.max()) for b in batches])
        return per_example.mean(), (per_example ** 2).mean()

    train, dev = lengths("train"), lengths(task.validation_split)
    rng = np.random.default_rng(0)
    random_orders = [padded(train, batch_size, rng.permutation(len(train))) for _ in range(orders)]
    eval_mean, eval_sq = padded(dev, eval_batch_size, np.arange(len(dev)))
    return {"n_train": len(train), "n_eval": len(dev), "unpadded_mean": float(train.mean()),
            "train_mean": float(np.mean([m for m, _ in random_orders])),
            "train_sq_mean": float(np.mean([s for _, s in random_orders])),
            "eval_mean": float(eval_mean), "eval_sq_mean": float(eval_sq)}
