"""Llama-style decoders (llama, qwen2, qwen3, mistral): the stack is `model.layers`.

Per-layer attention type lives in `config.layer_types` (sliced by the base adapter).
Qwen2/Qwen3 also describe it by `max_window_layers` (layers at index >= it use the
sliding window when use_sliding_window is set), which older transformers read directly,
so we recount it: kept layers below the old threshold stay below the new one.
Mistral uses one sliding_window for every layer, so nothing index-dependent remains.
"""

from .base import Adapter


class LlamaAdapter(Adapter):
    model_types = ("llama", "qwen2", "qwen3", "mistral")
    layer_paths = ("layers",)

    def update_config(self, config, keep, old_num_layers):
        threshold = getattr(config, "max_window_layers", None)
        if isinstance(threshold, int):
            config.max_window_layers = sum(1 for i in keep if i < threshold)

    def after_drop(self, model, base):
        # Qwen2/Qwen3 cache whether any sliding layer exists; keep it in sync with config
        layer_types = getattr(base.config, "layer_types", None)
        if hasattr(base, "has_sliding_layers") and layer_types is not None:
            base.has_sliding_layers = "sliding_attention" in layer_types
