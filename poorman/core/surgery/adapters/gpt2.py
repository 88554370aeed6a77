"""GPT-2: the stack is `transformer.h`; depth is `config.n_layer`.

With `scale_attn_by_inverse_layer_idx` each attention divides its scores by
(layer_idx + 1), computed from the index the layer is built with. A kept layer that
moves from position i to j would change its scaling on reload, so we fold the
ratio (j + 1) / (i + 1) into its query projection: scores come out exactly as before,
both in memory and after from_pretrained.

transformers 4.x applies that scaling only in eager attention; its default sdpa
ignores it. A model loaded that way computes something its config does not say, and no
checkpoint can match it both there and under eager attention or transformers 5, so we
refuse such a drop (when a kept layer moves) and say how to load the model instead.
"""

import transformers

from .base import Adapter

TRANSFORMERS_MAJOR = int(transformers.__version__.split(".")[0])


def _fold_query_scale(attn, ratio):
    """Multiply the query projection of one GPT2Attention by ratio (in place)."""
    if getattr(attn, "is_cross_attention", False):
        attn.q_attn.weight.mul_(ratio)
        attn.q_attn.bias.mul_(ratio)
    else:
        width = attn.embed_dim  # c_attn is a Conv1D producing [q | k | v]
        attn.c_attn.weight[:, :width].mul_(ratio)
        attn.c_attn.bias[:width].mul_(ratio)


def _attentions(layer):
    return [m for m in layer.modules() if hasattr(m, "scale_attn_by_inverse_layer_idx") and hasattr(m, "c_attn")]


def _applies_layer_scale(attn):
    """transformers >= 5 folds the layer scale into `scaling`, used by every attention
    implementation; 4.x divides by (layer_idx + 1) in eager attention only."""
    return hasattr(attn, "scaling") or getattr(attn.config, "_attn_implementation", None) == "eager"


class GPT2Adapter(Adapter):
    model_types = ("gpt2",)
    layer_paths = ("h",)
    depth_config_fields = ("n_layer",)

    def load_kwargs(self, config):
        if getattr(config, "scale_attn_by_inverse_layer_idx", False) and TRANSFORMERS_MAJOR < 5:
            return {"attn_implementation": "eager"}  # the attention that applies the scale, on 4.x
        return {}

    def check(self, model, keep):
        if not getattr(model.config, "scale_attn_by_inverse_layer_idx", False):
            return
        moved = [i for j, i in enumerate(keep) if i != j]
        layers = self.layer_list(model)
        if moved and not all(_applies_layer_scale(a) for i in moved for a in _attentions(layers[i])):
            implementation = getattr(model.config, "_attn_implementation", None)
            raise ValueError(
                f"GPT-2 with scale_attn_by_inverse_layer_idx: this transformers version ignores that "
                f"scaling under {implementation!r} attention (only eager applies it), so layers "
                f"{moved} cannot move down and keep their outputs under both. Load the model with "
                f"attn_implementation='eager', or use transformers >= 5, or drop only layers above "
                f"every kept one (e.g. the top layers)."
            )

    def fix_layer(self, model, layer, old_idx, new_idx):
        if not getattr(model.config, "scale_attn_by_inverse_layer_idx", False):
            return
        ratio = (new_idx + 1) / (old_idx + 1)
        for m in _attentions(layer):
            _fold_query_scale(m, ratio)
            # transformers >= 5 precomputes the scale at init; recompute it for the new index
            if hasattr(m, "scaling"):
                m.scaling = m.scaling * (old_idx + 1) / (new_idx + 1)
