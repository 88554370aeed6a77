"""drop_layers: remove whole transformer layers from a Hugging Face model, for real.

The layers leave the ModuleList (their parameters are freed), and the config is
rewritten so that `save_pretrained` + a plain `AutoModel*.from_pretrained` (no poorman,
no trust_remote_code) rebuilds the same pruned model. A record of what happened is kept
in `config.poorman` (JSON-serialisable, saved with the config):

    {"original_num_layers": 12, "dropped": [0, 5, 11], "kept": [1, 2, ...], "strategy": "top"}

Indices are 0-based. Dropping twice composes: the second call's indices refer to the
current (already pruned) model, while the record always uses the original numbering.
"""

from __future__ import annotations

import json
import numbers
from collections.abc import Iterable

from torch import nn

from .adapters import get_adapter
from .adapters.base import configs_of


def validate_layers(layers, num_layers):
    """Turn `layers` into a set of ints, or raise without touching anything (callers may check
    before loading any weights: num_layers can come from Adapter.config_depth)."""
    try:
        items = list(layers)
    except TypeError:
        raise TypeError(f"layers must be an iterable of ints, got {type(layers).__name__}") from None
    valid = f"valid layer indices are 0..{num_layers - 1}"
    for x in items:
        # bool is an int subclass, but True/False as a layer index is surely a mistake
        if isinstance(x, bool) or not isinstance(x, numbers.Integral):
            raise TypeError(f"layer indices must be ints, got {x!r} ({type(x).__name__}); {valid}")
    items = [int(x) for x in items]
    bad = [x for x in items if not 0 <= x < num_layers]
    if bad:
        raise ValueError(f"layer indices out of range: {bad}; {valid} (model has {num_layers} layers)")
    dupes = sorted({x for x in items if items.count(x) > 1})
    if dupes:
        raise ValueError(f"duplicate layer indices: {dupes}; list each layer once ({valid})")
    if len(set(items)) == num_layers:
        raise ValueError(f"cannot drop all {num_layers} layers: at least one layer must remain ({valid})")
    return set(items)


def _provenance(config, keep, num_layers, strategy):
    """Compose with any earlier record so indices stay in the original numbering."""
    prev = getattr(config, "poorman", None)
    if isinstance(prev, dict) and "kept" in prev:
        original, before = prev["original_num_layers"], prev["kept"]
    else:
        original, before = num_layers, list(range(num_layers))
    kept = [before[i] for i in keep]
    return {
        "original_num_layers": original,
        "dropped": sorted(set(range(original)) - set(kept)),
        "kept": kept,
        "strategy": strategy,  # of the most recent call
    }


def drop_layers(model: nn.Module, layers: Iterable[int], *, strategy: str | None = None) -> nn.Module:
    """Remove the layers at 0-based indices `layers` from `model` in place; returns model.

    Works on bare models and task heads of the supported families (see
    SUPPORTED_MODEL_TYPES). Everything is validated first, so on any error the model is
    untouched. An empty `layers` is a no-op (the model and config are left exactly as is).

    `strategy` (any JSON-serialisable value, usually a name like "top") is stored in
    config.poorman for provenance.

    ALBERT shares one set of weights across its layers: dropping k layers runs k fewer
    repetitions, removes no parameters, and top/bottom/alternate choices are identical
    (a warning says so). ModernBERT and DeBERTa-v2 (with conv_kernel_size > 0) hard-wire
    something to position 0 (no attention pre-norm / the nGiE conv); if layer 0 is dropped
    that stays with the new first layer, so outputs differ from just skipping layer 0 but
    match the reloaded checkpoint exactly. A warning says so.
    """
    adapter = get_adapter(model)
    num_layers = adapter.num_layers(model)
    drop = validate_layers(layers, num_layers)
    try:
        json.dumps(strategy)
    except (TypeError, ValueError):
        raise TypeError(f"strategy must be JSON-serialisable (it is saved in config.json), got {strategy!r}") from None
    if not drop:
        return model
    keep = [i for i in range(num_layers) if i not in drop]
    record = _provenance(model.config, keep, num_layers, strategy)
    adapter.drop(model, keep)
    for config in configs_of(model, getattr(model, "base_model", model)):
        config.poorman = dict(record)
    return model
