"""DistilBERT: the stack is `transformer.layer`; depth is `n_layers` in the config and on
the Transformer module itself."""

from .base import Adapter


class DistilBertAdapter(Adapter):
    model_types = ("distilbert",)
    layer_paths = ("transformer.layer",)
    depth_config_fields = ("n_layers",)
    depth_module_attrs = ("n_layers",)
