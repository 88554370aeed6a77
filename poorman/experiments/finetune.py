"""One run: load model -> choose layers -> drop -> fine-tune with Trainer -> evaluate -> record.

A run is fully defined by its spec (model, role, strategy, k, task, seed,
hyperparameters, profile); its id is a hash of exactly that. The record holds
the spec, the dropped and kept layers, every metric and the headline score,
timings, parameters, the latency and size of the checkpoint as saved, and the environment.
Specs that drop the same layers of the same model with the same seed and
settings train the same model: the sweep trains one and gives the others an
`alias_record` (same numbers, own spec, `same_model_as`).
"""

import copy
import functools
import os
import platform
import subprocess
import tempfile
from datetime import datetime, timezone

import torch
from transformers import AutoModelForSequenceClassification, DataCollatorWithPadding, set_seed

from ..core.measure import count_parameters, folder_bytes, latency
from ..core.strategies import NEEDS_SCORES, LayerScores, layer_scores, select_layers
from ..core.surgery import drop_layers, get_adapter
from .data import load_split, tokenize
from .models import load_for_classification, model_config
from .similarity import layer_similarity
from .store import locks, records
from .tasks import get_task
from .training import (ConcurrencySampler, evaluate, freeze, make_trainer, train, trained_model,
                       training_arguments)


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
    compute = functools.partial(_layer_scores, model_id, task, profile, max_length, model, tokenizer)
    return LayerScores.from_dict(records.cached(store_dir, "layer_scores", key, compute))


def _layer_scores(model_id, task, profile, max_length, model=None, tokenizer=None):
    if model is None:
        model, tokenizer = load_for_classification(model_id, task.num_labels)
    cal = profile.calibration
    data = load_split(task, cal.get("split", "train"), glue_dir=profile.resolved_glue_dir(),
                      max_examples=cal["examples"], seed=0)
    backbone = model.base_model  # scores come from the pre-trained layers, not the new head
    return layer_scores(backbone, task.texts(data), tokenizer=tokenizer, token=cal.get("token", "mean"),
                        max_length=max_length, progress=False).to_dict()


def environment(parallel_runs=1):
    """Versions, hardware, commit and date. parallel_runs: the most trainings (this one included)
    seen running at once on this machine in this store, so timings mean per-process speed."""
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
            "cpu_threads": torch.get_num_threads(), "parallel_runs": parallel_runs,
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
    """The record of `spec` when its model was already trained, as `trained` records: same numbers,
    own config and id, and `same_model_as` naming the run that did the training. If that run is
    `spec` itself (its record was lost, an alias of it survived), this is its own record again."""
    rid, origin = records.run_id(spec), trained.get("same_model_as") or trained["run_id"]
    rec = {k: v for k, v in trained.items() if k not in ("record_version", "same_model_as")}
    rec.update(run_id=rid, config=spec, layer_scores=None if scores is None else scores.cosine.tolist())
    if origin != rid:
        rec["same_model_as"] = origin
    return rec


def prepare_model(spec, profile, store_dir):
    """(model, tokenizer, layers before the drop, dropped layers, scores): the pre-trained model
    with its new head, pruned as the spec says, with the profile's frozen parts frozen."""
    task = get_task(spec["task"])
    # your own data's checkpoints name their labels; GLUE's config (and checkpoint_bytes) stay as they were
    model, tokenizer = load_for_classification(spec["model"], task.num_labels, seed=spec["seed"],
                                               label_names=task.label_names if task.own_spec else ())
    num_layers = get_adapter(model).num_layers(model)
    dropped, scores = choose_layers(spec, profile, store_dir, model, tokenizer)
    drop_layers(model, dropped, strategy=spec["strategy"])
    freeze(model, spec["train"])
    return model, tokenizer, num_layers, dropped, scores


def load_data(task, train_cfg, glue_dir, seed, tokenizer):
    """Tokenized (train data, {eval split: data}). `subsample_seed` fixes which training
    examples are used, so that seeds differ only in initialisation and order."""
    sample_seed = train_cfg.get("subsample_seed")
    train_rows = load_split(task, "train", glue_dir=glue_dir, max_examples=train_cfg["max_train"],
                            seed=seed if sample_seed is None else sample_seed)
    evals = {split: load_split(task, split, glue_dir=glue_dir, max_examples=train_cfg["max_eval"], seed=0)
             for split in task.eval_splits}
    n = train_cfg["max_length"]
    return tokenize(train_rows, tokenizer, task, n), {s: tokenize(d, tokenizer, task, n) for s, d in evals.items()}


def similarity_to_pretrained(pretrained, model, evals, tokenizer):
    """Per layer, how much fine-tuning changed it (CKA, cosine) on up to 128 eval examples."""
    sample = next(iter(evals.values()))
    collate = DataCollatorWithPadding(tokenizer)
    feats = [{k: v for k, v in ex.items() if k != "labels"} for ex in sample.select(range(min(128, len(sample))))]
    return layer_similarity(pretrained, model, [collate(feats[i:i + 32]) for i in range(0, len(feats), 32)])


def measure_saved(model, lat):
    """Checkpoint bytes and latency of the model as saved: written with save_pretrained, read back
    with plain from_pretrained (float32, free of any autocast left by bf16 training), timed."""
    with tempfile.TemporaryDirectory() as tmp:
        model.save_pretrained(tmp, safe_serialization=True)
        size = folder_bytes(tmp)
        saved = AutoModelForSequenceClassification.from_pretrained(tmp, trust_remote_code=False).to(next(model.parameters()).device)
    if count_parameters(saved) != count_parameters(model):
        raise RuntimeError(f"the saved checkpoint does not reload as the trained {type(model).__name__}")
    return size, latency(saved, lat["batch_size"], lat["seq_len"], lat["repeats"], lat["warmup"])


def run_one(spec, profile, store_dir, save_to=None, verbose=False):
    """Fine-tune and evaluate one run; write its record atomically and return it.

    save_to: a folder to save the fine-tuned model and its tokenizer in (from_pretrained reloads it).
    verbose: the Trainer's own progress bars and metric dicts."""
    task, train_cfg = get_task(spec["task"]), spec["train"]
    set_seed(spec["seed"])
    model, tokenizer, L, dropped, scores = prepare_model(spec, profile, store_dir)
    pretrained = copy.deepcopy(model).eval() if not dropped else None  # for the layer-change analysis
    train_data, evals = load_data(task, train_cfg, profile.resolved_glue_dir(), spec["seed"], tokenizer)
    key = training_key(spec, dropped)  # this training's own lock, if a sweep took one, is not another run
    concurrency = ConcurrencySampler(lambda: 1 + locks.trainings_running(store_dir, besides=key))
    with tempfile.TemporaryDirectory() as tmp:
        args = training_arguments(train_cfg, tmp, spec["seed"], progress=verbose)
        trainer = make_trainer(model, tokenizer, task, train_data, args, verbose=verbose, callbacks=[concurrency])
        train_loss, train_seconds = train(trainer)
        metrics, eval_seconds = evaluate(trainer, evals)
    model = trained_model(trainer)
    if save_to:
        model.save_pretrained(save_to)
        tokenizer.save_pretrained(save_to)
    similarity = similarity_to_pretrained(pretrained, model, evals, tokenizer) if pretrained is not None else None
    checkpoint_bytes, saved_latency = measure_saved(model, profile.latency)
    record = {
        "run_id": records.run_id(spec), "config": spec,
        "original_layers": L, "num_layers": L - len(dropped), "dropped": dropped,
        "kept": [i for i in range(L) if i not in dropped],
        "layer_scores": None if scores is None else scores.cosine.tolist(),
        "metrics": metrics, "train_loss": train_loss, "layer_similarity_to_pretrained": similarity,
        "num_train_examples": len(train_data), "num_eval_examples": {s: len(d) for s, d in evals.items()},
        "timing": {"train_seconds": train_seconds, "eval_seconds": eval_seconds,
                   "train_examples_per_s": len(train_data) * train_cfg["epochs"] / train_seconds},
        "params": count_parameters(model), "latency": saved_latency, "checkpoint_bytes": checkpoint_bytes,
        "env": environment(parallel_runs=concurrency.most),
    }
    records.write_run(store_dir, record)
    return record
