"""Where strategies choose which layers to drop."""

from .scores import TOKENS, LayerScores, layer_scores
from .select import NEEDS_SCORES, STRATEGIES, select_layers

__all__ = ["select_layers", "layer_scores", "LayerScores", "STRATEGIES", "NEEDS_SCORES", "TOKENS"]
