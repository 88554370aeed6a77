"""Parameter-based scores: one number per layer from its pre-trained weights alone, no data.

The paper (Sajjad et al., v3, Computer Speech & Language 77, 2023) also drops layers ranked by
their parameters, in two forms: aggregation and variance of a layer's weights. Its exact formula
cannot be read here, so this is the reading poorman computes:

* Which weights: every weight matrix of the layer, that is every parameter with two or more
  dimensions: the attention's query, key, value and output projections (with DeBERTa's position
  projections and XLNet's relative-position projection r) and the feed-forward's input and
  output (and the gate of gated MLPs). Left out: biases and LayerNorm/RMSNorm gains (1-D), and
  XLNet's per-head bias vectors (r_w_bias, r_r_bias, r_s_bias) and segment embeddings
  (seg_embed), which are offsets, not matrices that multiply the hidden state. Why: the matrices
  are what transform the representation; norm gains are of order one (tenths to one) and biases
  near zero, while the matrices' entries are a few hundredths, so pooled with them the gains
  would set the variance.
* aggregation: the mean absolute value of those weights, their L1 norm over their number. Every
  layer of a stack has the same shapes in each family here, so it ranks layers as the L1 norm.
* variance: the variance of those weights pooled into one sample (population variance, ddof=0).
* Which layers go: the k with the LOWEST score (ties: the higher layer goes). Why: each layer adds
  its sublayers' output to the residual stream, and weights that are small (aggregation) or
  spread little (variance; the weights' mean is ~0, so this is their mean square) give a small
  update, so those layers should change the representation least: the reasoning of magnitude
  pruning (Han et al., 2015) applied to whole layers, in the direction of `contribution`, which
  drops the layers whose output is most like their input.

ALBERT applies one set of weights at every layer: every layer scores the same, ties go to the
higher layer, so both forms drop the top k (and for ALBERT which repetitions go makes no
difference). With num_hidden_groups > 1 each repetition scores as the group it runs.
"""

from dataclasses import dataclass, field

import numpy as np
import torch

from ..surgery import get_adapter

WEIGHT_STATS = ("aggregation", "variance")
_NOT_MATRICES = ("bias", "embed")  # XLNet's r_w_bias, r_r_bias, r_s_bias and seg_embed are 2-D and 3-D


def is_weight_matrix(name, param):
    """A weight that multiplies the hidden state: 2-D or more, not named as a bias or embedding."""
    last = name.rsplit(".", 1)[-1]
    return param.dim() >= 2 and not any(word in last for word in _NOT_MATRICES)


@dataclass
class WeightScores:
    """Per layer: aggregation[i], the mean |w| of layer i's weight matrices; variance[i], their
    variance. `matrices` names the parameters scored in one layer, for the record."""
    aggregation: np.ndarray
    variance: np.ndarray
    matrices: list = field(default_factory=list)
    meta: dict = field(default_factory=dict)

    def to_dict(self):
        return {"aggregation": self.aggregation.tolist(), "variance": self.variance.tolist(),
                "matrices": list(self.matrices), "meta": self.meta}

    @classmethod
    def from_dict(cls, d):
        return cls(np.asarray(d["aggregation"]), np.asarray(d["variance"]), d.get("matrices", []),
                   d.get("meta", {}))


def _layer_stats(layer):
    """(mean |w|, variance of w, names) over one layer's weight matrices, in float64: the mean first,
    then the squared deviations, tensor by tensor (no copy of the whole layer)."""
    matrices = [(n, p.detach()) for n, p in layer.named_parameters() if is_weight_matrix(n, p)]
    if not matrices:
        raise ValueError(f"{type(layer).__name__} has no weight matrices to score")
    count = sum(p.numel() for _, p in matrices)
    total = sum(p.double().sum().item() for _, p in matrices)
    absolute = sum(p.double().abs().sum().item() for _, p in matrices)
    mean = total / count
    squares = sum(((p.double() - mean) ** 2).sum().item() for _, p in matrices)
    return absolute / count, squares / count, [n for n, _ in matrices]


@torch.no_grad()
def weight_scores(model):
    """Aggregation and variance of every layer's weight matrices (see the module's docstring)."""
    adapter = get_adapter(model)
    stats = [_layer_stats(layer) for layer in adapter.applied_layers(model)]
    meta = {"model_type": model.config.model_type, "name_or_path": getattr(model.config, "_name_or_path", ""),
            "shares_weights": adapter.shares_weights}
    return WeightScores(np.array([s[0] for s in stats]), np.array([s[1] for s in stats]), stats[0][2], meta)
