"""Which layers to drop: the paper's strategies, plus angular distance.

Every strategy returns the sorted 0-based indices of the k layers to drop from
a stack of `num_layers`. The paper numbers layers from 1; its example, L=12 and
K=4, reads here as:

    top             drops 9-12   -> [8, 9, 10, 11]
    bottom          drops 1-4    -> [0, 1, 2, 3]
    alternate-even  drops 12, 10, 8, 6 (even layers, counting down from the top)
    alternate-odd   drops 11, 9, 7, 5
    symmetric       drops 5-8: keeps 4 at the bottom and 4 at the top
    contribution    the k layers whose output is most like their input (mean cosine)
    angular         the contiguous block of k layers with the smallest angular
                    distance arccos(cos)/pi between its input and its output
                    (Gromov et al. 2024)
    param-aggregation  the k layers whose weight matrices have the smallest mean |w|
    param-variance     the k layers whose weight matrices have the smallest variance
                    (the paper's parameter-based strategy, in its two forms; which
                    weights and why the lowest: weights.py)

`symmetric` when L-K is odd: the bottom keeps ceil((L-K)/2) layers and the top
keeps floor((L-K)/2), i.e. the extra layer is kept at the bottom, where the
paper finds layers matter most.

`contribution` is the paper's contribution-based strategy and also ShortGPT's
Block Influence (BI = 1 - cos): dropping the highest-cosine layers is dropping
the lowest-BI ones. Ties go to the higher layer, here and in the parameter-based
strategies (so on ALBERT, whose layers all share one set of weights, those drop the top k).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from .scores import LayerScores, block_angular_distance

if TYPE_CHECKING:
    from .weights import WeightScores

STRATEGIES = {
    "top": "drop the last k layers",
    "bottom": "drop the first k layers",
    "alternate-even": "drop even layers (1-based), counting down from the top",
    "alternate-odd": "drop odd layers (1-based), counting down from the top",
    "symmetric": "drop k from the middle, keeping equal numbers at the bottom and the top",
    "contribution": "drop the k layers whose output is most similar (cosine) to their input; needs scores",
    "angular": "drop the contiguous k-block with the smallest input/output angular distance; needs scores",
    "param-aggregation": "drop the k layers whose weight matrices have the smallest mean |w|; needs the weights",
    "param-variance": "drop the k layers whose weight matrices have the smallest variance; needs the weights",
}
NEEDS_SCORES = ("contribution", "angular")              # scores from calibration data (layer_scores)
NEEDS_WEIGHTS = ("param-aggregation", "param-variance")  # scores from the weights alone (weight_scores)
NEEDS_MODEL = NEEDS_SCORES + NEEDS_WEIGHTS               # the choice is known only once the model is at hand


def _check(strategy, num_layers, k):
    if strategy not in STRATEGIES:
        known = ", ".join(STRATEGIES)
        raise ValueError(f"unknown strategy {strategy!r}; known strategies: {known}")
    for name, value in (("num_layers", num_layers), ("k", k)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if num_layers < 1:
        raise ValueError(f"num_layers must be >= 1, got {num_layers}")
    if not 0 <= k < num_layers:
        raise ValueError(f"k must be in 0..{num_layers - 1} for a {num_layers}-layer model "
                         f"(at least one layer must remain), got k={k}")


def _alternate(num_layers, k, parity):
    # 1-based layers of the given parity, from the top down; take the first k.
    candidates = [i for i in range(num_layers, 0, -1) if i % 2 == parity]
    if k > len(candidates):
        name = "alternate-even" if parity == 0 else "alternate-odd"
        raise ValueError(f"{name} can drop at most {len(candidates)} of {num_layers} layers "
                         f"(every other layer), got k={k}")
    return [i - 1 for i in candidates[:k]]


def _symmetric(num_layers, k):
    keep_bottom = -(-(num_layers - k) // 2)  # ceil: the odd layer out stays at the bottom
    return list(range(keep_bottom, keep_bottom + k))


def _contribution(cosine, k):
    order = sorted(range(len(cosine)), key=lambda i: (-cosine[i], -i))
    return order[:k]


def _lowest(values, k):
    order = sorted(range(len(values)), key=lambda i: (values[i], -i))
    return order[:k]


def _weight_values(strategy, scores, num_layers):
    """The per-layer statistic a parameter-based strategy ranks by: from a WeightScores, or a plain array."""
    if scores is None or isinstance(scores, LayerScores):
        raise ValueError(f"strategy {strategy!r} needs the weights' scores (no data): compute them "
                         f"with poorman.weight_scores(model)")
    stat = strategy.split("-", 1)[1]  # aggregation | variance
    values = np.asarray(getattr(scores, stat, scores), dtype=float)
    if values.shape != (num_layers,):
        raise ValueError(f"scores cover {values.shape} layers but the model has {num_layers}")
    return values


def _angular(boundary_cosine, k):
    # boundary i is the input of layer i; boundary i+k is the output of layer i+k-1.
    L = boundary_cosine.shape[0] - 1
    distance = block_angular_distance(boundary_cosine, k)
    start = int(np.argmin(distance[::-1]))  # ties: prefer the highest block
    start = L - k - start
    return list(range(start, start + k))


def _score_arrays(strategy, scores, num_layers):
    """Accept a LayerScores, or a plain per-layer array for `contribution`."""
    if scores is None:
        raise ValueError(f"strategy {strategy!r} needs scores: compute them with "
                         f"poorman.layer_scores(model, calibration_inputs)")
    cosine = getattr(scores, "cosine", scores)
    cosine = np.asarray(cosine, dtype=float)
    if cosine.shape != (num_layers,):
        raise ValueError(f"scores cover {cosine.shape} layers but the model has {num_layers}")
    boundary = getattr(scores, "boundary_cosine", None)
    if strategy == "angular" and boundary is None:
        raise ValueError("strategy 'angular' needs the boundary-to-boundary similarities of a "
                         "LayerScores from poorman.layer_scores, not a per-layer array")
    return cosine, None if boundary is None else np.asarray(boundary, dtype=float)


def select_layers(strategy: str, num_layers: int, k: int,
                  scores: LayerScores | WeightScores | Sequence[float] | None = None) -> list[int]:
    """Return the sorted 0-based indices of the k layers `strategy` drops."""
    _check(strategy, num_layers, k)
    if k == 0:
        return []
    if strategy == "top":
        chosen = range(num_layers - k, num_layers)
    elif strategy == "bottom":
        chosen = range(k)
    elif strategy == "alternate-even":
        chosen = _alternate(num_layers, k, parity=0)
    elif strategy == "alternate-odd":
        chosen = _alternate(num_layers, k, parity=1)
    elif strategy == "symmetric":
        chosen = _symmetric(num_layers, k)
    elif strategy in NEEDS_WEIGHTS:
        chosen = _lowest(_weight_values(strategy, scores, num_layers), k)
    else:
        cosine, boundary = _score_arrays(strategy, scores, num_layers)
        chosen = _contribution(cosine, k) if strategy == "contribution" else _angular(boundary, k)
    return sorted(int(i) for i in chosen)
