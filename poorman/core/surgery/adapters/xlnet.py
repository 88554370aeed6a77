"""XLNet: the stack is `XLNetModel.layer`; depth is `config.n_layer` and XLNetModel keeps a
copy in its own `n_layer` attribute (still present in transformers 5.x). Its layers take and
return (seq, batch, hidden) tensors, hence hidden_batch_first = False."""

from .base import Adapter


class XLNetAdapter(Adapter):
    model_types = ("xlnet",)
    hidden_batch_first = False
    layer_paths = ("layer",)
    depth_config_fields = ("n_layer",)
    depth_module_attrs = ("n_layer",)
