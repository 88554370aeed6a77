"""poorman: drop whole layers from pre-trained transformers, the 'Poor Man's BERT' way.

    import poorman
    scores = poorman.layer_scores(model, texts, tokenizer=tok)          # contribution, angular
    scores = poorman.weight_scores(model)                               # param-aggregation, param-variance
    drop = poorman.select_layers("top", num_layers=12, k=4, scores=scores)
    poorman.drop_layers(model, drop, strategy="top")                     # in place
    model.save_pretrained("out")  # reloads with plain AutoModel*.from_pretrained

Layer surgery lives in poorman.core.surgery, strategies in poorman.core.strategies,
measurements in poorman.core.measure. The experiment side (GLUE fine-tuning, the
run store, plots) lives in poorman.experiments, poorman.experiments.store, poorman.book.plots
and is imported lazily so that the surgery stays light.
"""

import torch

from .core.measure import count_parameters, ideal_speedup, measure
from .core.strategies import (NEEDS_WEIGHTS, STRATEGIES, LayerScores, WeightScores, layer_scores, select_layers,
                               weight_scores)
from .core.surgery import SUPPORTED_MODEL_TYPES, drop_layers, get_adapter, register_adapter

__version__ = "0.1.0"


def prune(model: torch.nn.Module, strategy: str, k: int, scores: LayerScores | None = None) -> list[int]:
    """Choose k layers by `strategy` and drop them in place; returns the dropped indices.
    The parameter-based strategies score the model's own weights when no scores are given."""
    L = get_adapter(model).num_layers(model)
    if strategy in NEEDS_WEIGHTS and scores is None:
        scores = weight_scores(model)
    dropped = select_layers(strategy, L, k, scores=scores)
    drop_layers(model, dropped, strategy=strategy)
    return dropped


def __getattr__(name):  # lazy: the experiment side pulls in datasets and pandas
    if name == "results":
        from .experiments.store import results
        return results
    raise AttributeError(f"module 'poorman' has no attribute {name!r}")


__all__ = ["drop_layers", "select_layers", "layer_scores", "LayerScores", "weight_scores", "WeightScores",
           "prune", "measure", "count_parameters", "ideal_speedup", "get_adapter", "register_adapter",
           "SUPPORTED_MODEL_TYPES", "STRATEGIES", "results"]
