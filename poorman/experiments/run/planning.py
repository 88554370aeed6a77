"""Planning a run: its RunSpec from a profile, and the layers it drops, chosen once.

The data source is read once per task and GLUE folder (the TSVs' sha256 are cached by size and
mtime). Layer scores, for the strategies that choose by them, come from the pre-trained model on
a sample of the task's rows and are cached in the run store under a key that names the data
source, so scores of other rows are never reused.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from ...core.strategies import (NEEDS_SCORES, NEEDS_WEIGHTS, LayerScores, WeightScores, layer_scores, select_layers,
                               weight_scores)
from ...core.surgery import get_adapter
from ..data import data_source, load_split, reading
from ..models import load_for_classification, model_config
from .spec import RunSpec
from ..store import records
from ..data.tasks import Task, get_task


def run_spec(profile, model: str, role: str, strategy: str, k: int, task: str | dict | Task, seed: int,
             layers: list[int] | None = None) -> RunSpec:
    """The spec of one run of `profile` (not yet planned: see fix_layers). task: a GLUE name or your
    own data's canonical description. layers: explicit 0-based layers to drop (strategy "manual")."""
    task = get_task(task)
    spec: dict[str, Any] = {
        "profile": profile.name, "model": model, "role": role, "strategy": strategy, "k": int(k),
        "task": task.spec, "seed": int(seed), "train": profile.train_for(task.name),
        "calibration": dict(profile.calibration) if strategy in NEEDS_SCORES else None,
        "data": profile_source(profile, task)}
    if layers is not None:
        spec.update(strategy="manual", k=len(layers), layers=sorted(int(i) for i in layers))
    return RunSpec(**spec)


def profile_source(profile, task: Task) -> dict | None:
    """The data source a profile's runs of `task` read: its resolved GLUE folder, else the Hub."""
    return data_source(task, profile.resolved_glue_dir())


def calibration_scores(model_id: str, task, profile, store_dir: Path | None = None, model=None,
                       tokenizer=None) -> LayerScores:
    """Layer scores of the pre-trained model on a sample of the task's rows, cached in the store
    under the model, task, calibration settings and data source.

    The model is loaded only when the cache lacks the scores."""
    task, cal = get_task(task), profile.calibration
    store_dir = store_dir or records.results_dir(profile.name)
    max_length = profile.train_for(task.name)["max_length"]
    source = profile_source(profile, task)
    key = {"model": model_id, "task": task.spec, **cal, "max_length": max_length, "data": source}
    compute = functools.partial(_layer_scores, model_id, task, cal, max_length, source, model, tokenizer)
    return LayerScores.from_dict(records.cached(store_dir, "layer_scores", key, compute))


def _layer_scores(model_id, task, cal, max_length, source, model=None, tokenizer=None):
    if model is None:
        model, tokenizer = load_for_classification(model_id, task.num_labels)
    data = load_split(task, cal.get("split", "train"), max_examples=cal["examples"], seed=0, **reading(source))
    backbone = model.base_model  # scores come from the pre-trained layers, not the new head
    return layer_scores(backbone, task.texts(data), tokenizer=tokenizer, token=cal.get("token", "mean"),
                        max_length=max_length, progress=False).to_dict()


def model_weight_scores(model_id: str, profile, store_dir: Path | None = None, model=None) -> WeightScores:
    """The pre-trained layers' weight scores (parameter-based strategies), cached in the store: they
    depend on the model alone, so the model is loaded only when the cache lacks them."""
    store_dir = store_dir or records.results_dir(profile.name)

    def compute():
        loaded = model if model is not None else load_for_classification(model_id, 2)[0]
        return weight_scores(loaded).to_dict()
    return WeightScores.from_dict(records.cached(store_dir, "weight_scores", {"model": model_id}, compute))


def fix_layers(spec: RunSpec, profile, store_dir: Path, model=None, tokenizer=None) -> RunSpec:
    """The spec with its dropped layers (and the scores they were chosen by) fixed: the one place a
    strategy chooses. The depth comes from the config; weights are loaded only for missing scores."""
    if spec.dropped is not None:
        return spec
    if spec.layers is not None:
        return spec.model_copy(update={"dropped": tuple(spec.layers)})
    scores = None
    if spec.strategy in NEEDS_SCORES:
        scores = calibration_scores(spec.model, spec.resolved_task, profile, store_dir, model, tokenizer)
    dropped: list[int] = []
    if spec.k:
        depth = get_adapter(model).num_layers(model) if model is not None else model_config(spec.model).num_hidden_layers
        # weight scores hold no cosine, so the record keeps none; the store's cache keeps them
        by = model_weight_scores(spec.model, profile, store_dir, model) if spec.strategy in NEEDS_WEIGHTS else scores
        dropped = select_layers(spec.strategy, depth, spec.k, scores=by)
    cosine = tuple(float(x) for x in scores.cosine.tolist()) if scores is not None else None
    return spec.model_copy(update={"dropped": tuple(dropped), "scores": cosine})
