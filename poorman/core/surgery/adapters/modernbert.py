"""ModernBERT: the stack is `model.layers`; each layer is global or local (sliding-window)
attention according to `config.layer_types` (transformers >= 5; older versions derive it
from `global_attn_every_n_layers`). The base adapter slices layer_types, so every kept
layer keeps its attention type after reload.

Quirk: the layer built at index 0 has no attention pre-norm (`attn_norm` is Identity),
hard-wired by index. If layer 0 is dropped, from_pretrained will build the new first layer
without its norm, so we remove it here too (with a warning): the pruned model then equals
the reloaded one, but differs from merely skipping layer 0.
"""

import warnings

from torch import nn

from .base import Adapter


class ModernBertAdapter(Adapter):
    model_types = ("modernbert",)
    layer_paths = ("layers",)

    def check(self, model, keep):
        config = model.config
        if getattr(config, "layer_types", None) is None:
            # old transformers: global iff index % n == 0, so the kept pattern must fit that rule
            n = getattr(config, "global_attn_every_n_layers", 1)
            if [i % n == 0 for i in keep] != [j % n == 0 for j in range(len(keep))]:
                raise ValueError(
                    "ModernBERT: this transformers version has no config.layer_types, and the kept "
                    f"layers {keep} do not follow global_attn_every_n_layers={n}; upgrade transformers."
                )

    def fix_layer(self, model, layer, old_idx, new_idx):
        if new_idx == 0 and not isinstance(getattr(layer, "attn_norm", None), nn.Identity):
            warnings.warn(
                "ModernBERT: layer 0 was dropped; the new first layer loses its attention "
                "pre-norm because ModernBERT builds layer 0 without one (so the saved checkpoint "
                "reloads to this same model). Outputs differ from merely skipping layer 0.",
                stacklevel=4,
            )
            layer.attn_norm = nn.Identity()
