"""What every architecture adapter shares: find the layer stack, cut it, fix up config.

An adapter describes one family of Hugging Face models with a few class
attributes (where the ModuleList lives, which config fields hold the depth).
The generic `drop` below does the actual surgery; families override small
hooks (`fix_layer`, `update_config`, `after_drop`) for their quirks.

The rule throughout: after surgery the in-memory model must be exactly what
a plain `AutoModel*.from_pretrained` rebuilds from `save_pretrained`, so all
index-dependent state (layer_idx, per-layer config lists) is rewritten.
"""

import torch
from torch import nn


def _resolve(root, path):
    """Follow a dotted attribute path; None if any hop is missing."""
    obj = root
    for name in path.split("."):
        obj = getattr(obj, name, None)
        if obj is None:
            return None
    return obj


def configs_of(model, base):
    """The distinct config objects a model carries (head and body usually share one)."""
    seen, out = set(), []
    for m in (model, base):
        cfg = getattr(m, "config", None)
        if cfg is not None and id(cfg) not in seen:
            seen.add(id(cfg))
            out.append(cfg)
    return out


def reindex_layer_idx(layer, new_idx):
    """Set every `layer_idx` inside one layer (decoder layer, attention, ...) to new_idx.

    KV caches are indexed by layer_idx, so stale values would make generate()
    read and write the wrong cache slots.
    """
    for m in layer.modules():
        if isinstance(getattr(m, "layer_idx", None), int) and not isinstance(m.layer_idx, bool):
            m.layer_idx = new_idx


class Adapter:
    """How one family of models exposes its layers. Subclass and set the attributes."""

    model_types: tuple[str, ...] = ()  # config.model_type values handled
    hidden_batch_first: bool = True  # XLNet's layers see (seq, batch, hidden): False
    shares_weights: bool = False  # ALBERT: one set of weights applied num_hidden_layers times

    # dotted paths from the base model to the ModuleList of layers, tried in order
    layer_paths: tuple[str, ...] = ()
    # config fields that hold the depth (aliases via attribute_map are fine)
    depth_config_fields: tuple[str, ...] = ("num_hidden_layers",)
    # module attributes on the path to the list that mirror the depth (e.g. XLNet's n_layer)
    depth_module_attrs: tuple[str, ...] = ()
    # config lists with one entry per layer, sliced to the kept layers
    per_layer_config_fields: tuple[str, ...] = ("layer_types",)

    # ---- locating the stack -------------------------------------------------

    def _roots(self, model):
        """Candidate base models: base_model first, then the model, then its children."""
        roots = [getattr(model, "base_model", None), model]
        roots += [child for _, child in model.named_children()]
        return [r for r in roots if r is not None]

    def locate(self, model):
        """Return (base, chain, parent, name, layers) for the layer ModuleList.

        chain is every module from base down to parent, so depth mirrors
        (XLNetModel.n_layer, DistilBERT Transformer.n_layers) can be updated.
        """
        for root in self._roots(model):
            for path in self.layer_paths:
                layers = _resolve(root, path)
                if isinstance(layers, nn.ModuleList):
                    chain, obj = [root], root
                    *head, name = path.split(".")
                    for hop in head:
                        obj = getattr(obj, hop)
                        chain.append(obj)
                    return root, chain, obj, name, layers
        raise ValueError(
            f"{type(self).__name__}: could not find the layer stack on {type(model).__name__} "
            f"(looked for {', '.join(self.layer_paths)} on the base model and the model itself)"
        )

    def layer_list(self, model) -> nn.ModuleList:
        """The modules whose forward runs once per layer application (ALBERT: the shared groups)."""
        return self.locate(model)[-1]

    def num_layers(self, model) -> int:
        """Depth in layer applications; drop_layers indices run over 0..num_layers-1."""
        return len(self.layer_list(model))

    def applied_layers(self, model) -> list:
        """One module per layer application, in order: the module whose weights layer i runs."""
        return list(self.layer_list(model))

    def config_depth(self, config) -> int:
        """num_layers as the config states it, so arguments can be checked before loading weights."""
        return getattr(config, self.depth_config_fields[0])

    # ---- family hooks (default: nothing to do) ---------------------------------

    def load_kwargs(self, config) -> dict:
        """from_pretrained arguments under which every drop of this model can be done exactly."""
        return {}

    def check(self, model, keep):
        """Raise before any mutation if this particular drop cannot be done exactly."""

    def fix_layer(self, model, layer, old_idx, new_idx):
        """Adjust one kept layer whose position changes (called before layer_idx is rewritten)."""

    def update_config(self, config, keep, old_num_layers):
        """Family-specific config fields beyond depth and per-layer lists."""

    def after_drop(self, model, base):
        """Refresh cached model attributes derived from config (e.g. has_sliding_layers)."""

    # ---- the surgery ----------------------------------------------------------

    def drop(self, model, keep: list[int]) -> None:
        """Keep only the layers at sorted indices `keep`; mutates model and config in place."""
        self.check(model, keep)
        base, chain, parent, name, layers = self.locate(model)
        old_num_layers = len(layers)
        kept = [layers[i] for i in keep]
        with torch.no_grad():
            for new_idx, (old_idx, layer) in enumerate(zip(keep, kept)):
                if old_idx != new_idx:
                    self.fix_layer(model, layer, old_idx, new_idx)
                reindex_layer_idx(layer, new_idx)
        # a fresh ModuleList: the dropped layers (and their parameters) are released
        setattr(parent, name, nn.ModuleList(kept))
        for module in chain:
            for attr in self.depth_module_attrs:
                if isinstance(getattr(module, attr, None), int):
                    setattr(module, attr, len(keep))
        for config in configs_of(model, base):
            update_depth_config(config, keep, old_num_layers, self.depth_config_fields, self.per_layer_config_fields)
            self.update_config(config, keep, old_num_layers)
        self.after_drop(model, base)


def update_depth_config(config, keep, old_num_layers, depth_fields, per_layer_fields):
    """Write the new depth and slice per-layer lists so from_pretrained rebuilds the same stack."""
    for field in depth_fields:
        setattr(config, field, len(keep))
    for field in per_layer_fields:
        value = getattr(config, field, None)
        if isinstance(value, (list, tuple)) and len(value) == old_num_layers:
            setattr(config, field, type(value)(value[i] for i in keep))
