"""GPT-2: the stack is `transformer.h`; depth is `config.n_layer`.

With `scale_attn_by_inverse_layer_idx` each attention divides its scores by
(layer_idx + 1), computed from the index the layer is built with. A kept layer that
moves from position i to j would change its scaling on reload, so we fold the
ratio (j + 1) / (i + 1) into its query projection: scores come out exactly as before,
both in memory and after from_pretrained.
"""

from .base import Adapter


def _fold_query_scale(attn, ratio):
    """Multiply the query projection of one GPT2Attention by ratio (in place)."""
    if getattr(attn, "is_cross_attention", False):
        attn.q_attn.weight.mul_(ratio)
        attn.q_attn.bias.mul_(ratio)
    else:
        width = attn.embed_dim  # c_attn is a Conv1D producing [q | k | v]
        attn.c_attn.weight[:, :width].mul_(ratio)
        attn.c_attn.bias[:width].mul_(ratio)


class GPT2Adapter(Adapter):
    model_types = ("gpt2",)
    layer_paths = ("h",)
    depth_config_fields = ("n_layer",)

    def fix_layer(self, model, layer, old_idx, new_idx):
        if not getattr(model.config, "scale_attn_by_inverse_layer_idx", False):
            return
        ratio = (new_idx + 1) / (old_idx + 1)
        for m in layer.modules():
            if hasattr(m, "scale_attn_by_inverse_layer_idx") and hasattr(m, "c_attn"):
                _fold_query_scale(m, ratio)
                # transformers >= 5 precomputes the scale at init; recompute it for the new index
                if hasattr(m, "scaling"):
                    m.scaling = m.scaling * (old_idx + 1) / (new_idx + 1)
