"""GLUE metrics with scikit-learn and scipy, as plain floats in [0, 1] (GLUE tables show x100).

No `evaluate` library: it downloads metric scripts from the Hub, which fails offline.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
from scipy.stats import pearsonr, spearmanr
from sklearn.metrics import f1_score, matthews_corrcoef

from .tasks import Task, get_task


def _correlation(fn, a, b) -> float:
    # A constant prediction (common after dropping many layers) has no defined correlation;
    # scipy returns nan with a warning, we report 0.0 = "no linear/rank relation" like sklearn's MCC.
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return 0.0
    r = float(fn(a, b)[0])
    return 0.0 if math.isnan(r) else r


METRICS: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {
    "accuracy": lambda y, p: float(np.mean(y == p)),
    "f1": lambda y, p: float(f1_score(y, p, zero_division=0)),  # binary, positive class = 1
    "macro_f1": lambda y, p: float(f1_score(y, p, average="macro", zero_division=0)),
    "matthews_correlation": lambda y, p: float(matthews_corrcoef(y, p)),
    "pearson": lambda y, p: _correlation(pearsonr, p, y),
    "spearmanr": lambda y, p: _correlation(spearmanr, p, y),
}


def _numpy(x) -> np.ndarray:
    if isinstance(x, tuple) and x and (isinstance(x[0], np.ndarray) or hasattr(x[0], "detach")):
        x = x[0]  # Trainer hands (logits, hidden_states, ...) when the model returns extras
    if hasattr(x, "detach"):  # torch tensor, possibly on GPU
        x = x.detach().float().cpu().numpy() if x.is_floating_point() else x.detach().cpu().numpy()
    return np.asarray(x)


def to_predictions(task: Task | str, predictions) -> np.ndarray:
    """Logits (n, classes) -> class ids; regression outputs (n, 1) -> (n,) floats."""
    task = get_task(task)
    preds = _numpy(predictions)
    if task.is_regression:
        if preds.ndim > 1 and preds.shape[-1] != 1:
            raise ValueError(f"{task.name} is regression: expected (n,) or (n, 1) outputs, got {preds.shape}")
        return preds.reshape(-1).astype(np.float64)
    if preds.ndim == 2:
        return preds.argmax(-1)
    if preds.ndim == 1:
        return preds.astype(np.int64)  # already class ids
    raise ValueError(f"{task.name}: expected logits (n, {task.num_labels}) or ids (n,), got {preds.shape}")


def compute_metrics(task: Task | str, predictions, labels) -> dict[str, float]:
    """All of the task's metrics as floats, plus "score": their mean (GLUE's headline number)."""
    task = get_task(task)
    preds = to_predictions(task, predictions)
    labels = _numpy(labels).reshape(-1)
    labels = labels.astype(np.float64) if task.is_regression else labels.astype(np.int64)
    if len(preds) != len(labels):
        raise ValueError(f"{len(preds)} predictions but {len(labels)} labels")
    if len(labels) == 0:
        raise ValueError("no examples to score")
    unknown = [m for m in task.metrics if m not in METRICS]
    if unknown:
        raise ValueError(f"unknown metric(s) {unknown}; known: {', '.join(METRICS)}")
    out = {m: METRICS[m](labels, preds) for m in task.metrics}
    out["score"] = float(np.mean(list(out.values())))
    return out


def trainer_metrics(task: Task | str) -> Callable[[object], dict[str, float]]:
    """A `compute_metrics` for transformers.Trainer; it takes an EvalPrediction."""
    task = get_task(task)

    def trainer_compute_metrics(eval_pred) -> dict[str, float]:
        preds = getattr(eval_pred, "predictions", None)
        labels = getattr(eval_pred, "label_ids", None)
        if preds is None:  # a plain (predictions, labels) tuple works too
            preds, labels = eval_pred
        return compute_metrics(task, preds, labels)

    return trainer_compute_metrics


def constant_score(task: Task | str, labels) -> float:
    """The headline score of always predicting the most frequent label (the mean, for regression).

    A fine-tuned model that scores at this level has learnt nothing: its training never took off."""
    task = get_task(task)
    labels = _numpy(labels).reshape(-1)
    if task.is_regression:
        preds = np.full(len(labels), labels.astype(np.float64).mean())
    else:
        values, counts = np.unique(labels.astype(np.int64), return_counts=True)
        preds = np.full(len(labels), values[counts.argmax()])
    return compute_metrics(task, preds, labels)["score"]


def constant_scores(profile, tasks=None) -> dict[str, float]:
    """{task: constant_score on the dev set the profile evaluates on} (the first, for MNLI)."""
    from .data import load_split
    tasks = tasks or profile.tasks  # your own data's descriptions are keyed by their name
    return {(t if isinstance(t, str) else t["name"]): constant_score(t, load_split(t, get_task(t).eval_splits[0], glue_dir=profile.resolved_glue_dir(),
                                            max_examples=profile.train_for(get_task(t).name)["max_eval"],
                                            seed=0)["label"])
            for t in tasks}
