"""GLUE's metrics by name, with scikit-learn and scipy: (labels, predictions) -> a float."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from scipy.stats import pearsonr, spearmanr
from sklearn.metrics import f1_score, matthews_corrcoef


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
