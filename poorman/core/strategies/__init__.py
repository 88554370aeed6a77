"""Where strategies choose which layers to drop."""

from .scores import TOKENS, LayerScores, layer_scores
from .select import NEEDS_MODEL, NEEDS_SCORES, NEEDS_WEIGHTS, STRATEGIES, select_layers
from .weights import WeightScores, weight_scores

__all__ = ["select_layers", "layer_scores", "LayerScores", "weight_scores", "WeightScores", "STRATEGIES",
           "NEEDS_SCORES", "NEEDS_WEIGHTS", "NEEDS_MODEL", "TOKENS"]
