"""One run: load model -> choose layers -> drop -> fine-tune with Trainer -> evaluate -> record.

A run is fully defined by its spec (model, role, strategy, k, task, seed,
hyperparameters, profile); its id is a hash of exactly that. The record holds
the spec, the dropped and kept layers, every metric and the headline score,
timings, parameters, latency, checkpoint size, and the environment.
Specs that drop the same layers of the same model with the same seed and
settings train the same model: the sweep trains one and gives the others an
`alias_record` (same numbers, own spec, `same_model_as`).
"""

import copy
import os
import platform
import subprocess
import tempfile
import time
from datetime import datetime, timezone

import torch
from transformers import DataCollatorWithPadding, Trainer, TrainingArguments, set_seed

from ..core.measure import checkpoint_size, count_parameters, latency
from .store import records
from ..core.strategies import NEEDS_SCORES, LayerScores, layer_scores, select_layers
from ..core.surgery import drop_layers, get_adapter
from .data import load_split, tokenize
from .metrics import trainer_metrics
from .models import load_for_classification, model_config
from .similarity import layer_similarity
from .tasks import get_task


def run_spec(profile, model, role, strategy, k, task, seed, layers=None):
    """The dict that defines a run; its hash is the run id. task: a GLUE name or your own data's
    canonical description (Task.spec). layers: explicit 0-based layers to drop (strategy "manual")."""
    task = get_task(task)
    spec = {"profile": profile.name, "model": model, "role": role, "strategy": strategy, "k": int(k),
            "task": task.spec, "seed": int(seed), "train": profile.train_for(task.name),
            "calibration": dict(profile.calibration) if strategy in NEEDS_SCORES else None}
    if layers is not None:
        spec.update(strategy="manual", k=len(layers), layers=sorted(int(i) for i in layers))
    return spec


def calibration_scores(model_id, task, profile, store_dir=None, model=None, tokenizer=None):
    """Layer scores of the pre-trained model on a sample of the task's data, cached in the store.

    The model is loaded only when the cache lacks the scores."""
    task, cal = get_task(task), profile.calibration
    store_dir = store_dir or records.results_dir(profile.name)
    max_length = profile.train_for(task.name)["max_length"]
    key = {"model": model_id, "task": task.spec, **cal, "max_length": max_length, "glue_dir": bool(profile.glue_dir)}

    def compute():
        nonlocal model, tokenizer
        if model is None:
            model, tokenizer = load_for_classification(model_id, task.num_labels)
        data = load_split(task, cal.get("split", "train"), glue_dir=profile.resolved_glue_dir(),
                          max_examples=cal["examples"], seed=0)
        backbone = model.base_model  # scores come from the pre-trained layers, not the new head
        return layer_scores(backbone, task.texts(data), tokenizer=tokenizer, token=cal.get("token", "mean"),
                            max_length=max_length, progress=False).to_dict()

    return LayerScores.from_dict(records.cached(store_dir, "layer_scores", key, compute))


def _freeze(model, train):
    base = model.base_model
    if train.get("freeze_embeddings"):
        for p in model.get_input_embeddings().parameters():
            p.requires_grad = False
        for p in getattr(base, "embeddings", torch.nn.Module()).parameters():
            p.requires_grad = False
    layers = get_adapter(model).layer_list(model)
    for i in train.get("freeze_layers") or []:
        for p in layers[i].parameters():  # indices refer to the pruned model's layers
            p.requires_grad = False


def _version_specific(train_cfg):
    """Arguments that transformers 5 renamed: length grouping and the warm-up ratio."""
    fields = TrainingArguments.__dataclass_fields__
    grouped, warmup = train_cfg.get("group_by_length", False), train_cfg["warmup_ratio"]
    out = {"train_sampling_strategy": "group_by_length" if grouped else "random"} \
        if "train_sampling_strategy" in fields else {"group_by_length": grouped}
    out.update({"warmup_ratio": warmup} if "warmup_ratio" in fields else {"warmup_steps": float(warmup)})
    return out


def parallel_runs():
    """How many runs share this machine (set by `sweep(jobs=n)`): timings mean per-process speed."""
    return int(os.environ.get("POORMAN_PARALLEL_RUNS", "1"))


def environment():
    try:
        # poorman's own checkout, wherever the sweep is started from (None when installed from a wheel)
        commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5,
                                cwd=os.path.dirname(os.path.abspath(__file__))).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        commit = None
    import datasets
    import transformers

    from .. import __version__
    return {"poorman": __version__, "torch": torch.__version__, "transformers": transformers.__version__,
            "datasets": datasets.__version__, "python": platform.python_version(),
            "machine": platform.machine(), "processor": platform.processor() or platform.machine(),
            "cpu_threads": torch.get_num_threads(), "parallel_runs": parallel_runs(),
            "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
            "git_commit": commit, "date": datetime.now(timezone.utc).isoformat(timespec="seconds")}


def choose_layers(spec, profile, store_dir, model=None, tokenizer=None):
    """(dropped layers, scores) of a spec, without training; scores only where the strategy needs them."""
    scores = None
    if spec.get("layers") is not None:
        return list(spec["layers"]), None
    if spec["strategy"] in NEEDS_SCORES:
        scores = calibration_scores(spec["model"], spec["task"], profile, store_dir, model, tokenizer)
    if spec["k"] == 0:
        return [], scores
    L = get_adapter(model).num_layers(model) if model is not None else model_config(spec["model"]).num_hidden_layers
    return select_layers(spec["strategy"], L, spec["k"], scores=scores), scores


def training_key(spec, dropped):
    """What fixes the trained model. Specs with equal keys (say symmetric and angular dropping the
    same layers, or a reference model that is also a baseline) train the very same model."""
    return records.run_id({"model": spec["model"], "task": spec["task"], "seed": spec["seed"],
                           "train": spec["train"], "dropped": sorted(dropped)})


def alias_record(spec, trained, scores=None):
    """The record of `spec` when its model was already trained as `trained`: same numbers, own
    config and id, and `same_model_as` naming the run that did the training."""
    rec = {k: v for k, v in trained.items() if k != "record_version"}
    rec.update(run_id=records.run_id(spec), config=spec,
               same_model_as=trained.get("same_model_as") or trained["run_id"],
               layer_scores=None if scores is None else scores.cosine.tolist())
    return rec


def run_one(spec, profile, store_dir, save_to=None):
    """Fine-tune and evaluate one run; write its record atomically and return it.

    save_to: a folder to save the fine-tuned model and its tokenizer in (from_pretrained reloads it)."""
    task = get_task(spec["task"])
    train_cfg, glue_dir = spec["train"], profile.resolved_glue_dir()
    set_seed(spec["seed"])
    # your own data's checkpoints name their labels; GLUE's config (and checkpoint_bytes) stay as they were
    model, tokenizer = load_for_classification(spec["model"], task.num_labels, seed=spec["seed"],
                                               label_names=task.label_names if task.own_spec else ())
    L = get_adapter(model).num_layers(model)
    dropped, scores = choose_layers(spec, profile, store_dir, model, tokenizer)
    drop_layers(model, dropped, strategy=spec["strategy"])
    _freeze(model, train_cfg)
    pretrained = copy.deepcopy(model).eval() if not dropped else None  # for the layer-change analysis

    # subsample_seed fixes which examples are used, so seeds differ only in init and order
    sample_seed = train_cfg.get("subsample_seed")
    train = load_split(task, "train", glue_dir=glue_dir, max_examples=train_cfg["max_train"],
                       seed=spec["seed"] if sample_seed is None else sample_seed)
    evals = {split: load_split(task, split, glue_dir=glue_dir, max_examples=train_cfg["max_eval"], seed=0)
             for split in task.eval_splits}
    train_tok = tokenize(train, tokenizer, task, train_cfg["max_length"])
    evals_tok = {s: tokenize(d, tokenizer, task, train_cfg["max_length"]) for s, d in evals.items()}

    with tempfile.TemporaryDirectory() as tmp:
        args = TrainingArguments(
            output_dir=tmp, per_device_train_batch_size=train_cfg["batch_size"],
            per_device_eval_batch_size=max(32, train_cfg["batch_size"]),
            learning_rate=train_cfg["learning_rate"], num_train_epochs=train_cfg["epochs"],
            weight_decay=train_cfg["weight_decay"], bf16=bool(train_cfg.get("bf16")),
            seed=spec["seed"], data_seed=spec["seed"], save_strategy="no", eval_strategy="no",
            report_to=[], logging_strategy="no", disable_tqdm=parallel_runs() > 1, use_cpu=not torch.cuda.is_available(),
            **_version_specific(train_cfg))
        trainer = Trainer(model=model, args=args, train_dataset=train_tok,
                          data_collator=DataCollatorWithPadding(tokenizer),
                          compute_metrics=trainer_metrics(task))
        t0 = time.perf_counter()
        train_out = trainer.train()
        train_seconds = time.perf_counter() - t0
        metrics, eval_seconds = {}, 0.0
        for split, data in evals_tok.items():
            t0 = time.perf_counter()
            out = trainer.evaluate(eval_dataset=data, metric_key_prefix="eval")
            eval_seconds += time.perf_counter() - t0
            prefix = "" if len(evals_tok) == 1 else f"{split}_"
            metrics.update({prefix + k[len("eval_"):]: v for k, v in out.items()
                            if k.startswith("eval_") and not k.endswith(("runtime", "per_second", "loss"))
                            and not k.startswith("eval_steps")})
        if len(evals_tok) > 1:  # MNLI: the headline is the mean of matched and mismatched
            metrics["score"] = sum(metrics[f"{s}_score"] for s in evals_tok) / len(evals_tok)

    # Trainer(bf16=True) leaves forward wrapped in autocast; size and latency describe the fp32
    # checkpoint that is saved, so measure the unwrapped model.
    model = trainer.accelerator.unwrap_model(trainer.model, keep_fp32_wrapper=False).eval()
    if save_to:
        model.save_pretrained(save_to)
        tokenizer.save_pretrained(save_to)
    similarity = None
    if pretrained is not None:
        sample = next(iter(evals_tok.values()))
        collate = DataCollatorWithPadding(tokenizer)
        feats = [{k: v for k, v in ex.items() if k != "labels"} for ex in sample.select(range(min(128, len(sample))))]
        batches = [collate(feats[i:i + 32]) for i in range(0, len(feats), 32)]
        similarity = layer_similarity(pretrained, model, batches)
        del pretrained
    lat = profile.latency
    n_train = len(train_tok) * train_cfg["epochs"]
    record = {
        "run_id": records.run_id(spec), "config": spec,
        "original_layers": L, "num_layers": L - len(dropped), "dropped": dropped,
        "kept": [i for i in range(L) if i not in dropped],
        "layer_scores": None if scores is None else scores.cosine.tolist(),
        "metrics": metrics, "train_loss": train_out.training_loss,
        "layer_similarity_to_pretrained": similarity,
        "num_train_examples": len(train_tok), "num_eval_examples": {s: len(d) for s, d in evals_tok.items()},
        "timing": {"train_seconds": train_seconds, "train_examples_per_s": n_train / train_seconds,
                   "eval_seconds": eval_seconds},
        "params": count_parameters(model),
        "latency": latency(model, lat["batch_size"], lat["seq_len"], lat["repeats"], lat["warmup"]),
        "checkpoint_bytes": checkpoint_size(model),
        "env": environment(),
    }
    records.write_run(store_dir, record)
    return record
