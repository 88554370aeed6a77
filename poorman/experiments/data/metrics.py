"""GLUE metrics with scikit-learn and scipy, as plain floats in [0, 1] (GLUE tables show x100).

No `evaluate` library: it downloads metric scripts from the Hub, which fails offline.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from .metric_fns import METRICS
from .tasks import Task, get_task


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


def constant_metrics(task: Task | str, labels) -> dict[str, float]:
    """The metrics of always predicting the most frequent label (the mean, for regression).

    A fine-tuned model that scores at this level has learnt nothing: its training never took off."""
    task = get_task(task)
    labels = _numpy(labels).reshape(-1)
    if task.is_regression:
        preds = np.full(len(labels), labels.astype(np.float64).mean())
    else:
        values, counts = np.unique(labels.astype(np.int64), return_counts=True)
        preds = np.full(len(labels), values[counts.argmax()])
        return {**compute_metrics(task, preds, labels), "accuracy": float(counts.max() / len(labels))}
    return compute_metrics(task, preds, labels)


def constant_score(task: Task | str, labels) -> float:
    """The headline score of the constant predictor (constant_metrics)."""
    return constant_metrics(task, labels)["score"]


LEARNT_SHARE = 0.10   # a run that kept under a tenth of its full model's gain never took off
LEARNT_MIN = 0.01     # ... and one at most a point (0.01) above the constant learnt nothing either
LEARNT_ALPHA = 0.05   # a model learnt when it beats the constant predictor at this level (one-sided)


def learnt_bar(constant: float, full: float | None = None, share: float = LEARNT_SHARE) -> float:
    """The score a run of the book's grid must pass to count as having taken off: the constant
    predictor's, plus a tenth of the full model's gain over it, and at least LEARNT_MIN more. A
    fixed margin would not do, since the metrics differ in range and the full models in headroom."""
    gain = 0.0 if full is None else max(full - constant, 0.0)
    return constant + max(share * gain, LEARNT_MIN)


def beats_constant(metrics: dict, constant: dict, n_eval: int) -> float:
    """The one-sided p-value that a model with `metrics` on `n_eval` examples does no better than
    the constant predictor: an exact binomial test of its accuracy against the majority share, or,
    for regression, a t-test of its Pearson correlation against 0 (the constant's).

    Not the headline score: a mean of accuracy and macro-F1 rewards coin flips over the constant
    (macro-F1 0.5 against 0.33), so a model that learnt nothing could pass a margin on it."""
    from scipy.stats import binomtest, t as student
    if "accuracy" in metrics and "accuracy" in constant:
        hits = round(metrics["accuracy"] * n_eval)
        return float(binomtest(hits, n_eval, constant["accuracy"], alternative="greater").pvalue)
    if "pearson" not in metrics:  # classes scored without accuracy: fall back on the book's margin
        return 0.0 if metrics["score"] > learnt_bar(constant["score"]) else 1.0
    r = metrics["pearson"]
    if n_eval < 3 or r >= 1:
        return 0.0 if r >= 1 else 1.0
    stat = r * math.sqrt((n_eval - 2) / (1 - r * r))
    return float(student.sf(stat, n_eval - 2))


def learning_note(metrics: dict, constant: dict, n_eval: int) -> tuple[bool, str]:
    """(learnt, one line for a terminal or a model card): the constant predictor's score beside the
    model's, and whether the model beat it (beats_constant at LEARNT_ALPHA)."""
    p = beats_constant(metrics, constant, n_eval)
    what = "accuracy" if "accuracy" in metrics else "pearson" if "pearson" in metrics else "score"
    mine, theirs = metrics.get(what, metrics["score"]), constant.get(what, constant["score"])
    line = (f"{what} {mine:.4f} against {theirs:.4f} for the constant predictor (always the majority class; "
            f"the mean, for regression) on {n_eval} eval rows, one-sided p = {p:.3g}")
    if p < LEARNT_ALPHA:
        return True, f"{line}: it learnt the task"
    return False, (f"{line}: THE MODEL DID NOT LEARN (it is not shown better than the constant predictor); "
                   f"try more epochs (--epochs), another --lr, or more rows")
