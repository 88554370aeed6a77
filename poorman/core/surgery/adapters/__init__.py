"""Registry: config.model_type -> Adapter.

Built-in adapters cover the families below; anything else can be taught to poorman
with `poorman.register_adapter(MyAdapter())` (subclass Adapter, set model_types and
layer_paths).
"""

from .albert import AlbertAdapter
from .base import Adapter
from .bert import BertAdapter, DebertaV2Adapter
from .distilbert import DistilBertAdapter
from .gpt2 import GPT2Adapter
from .llama import LlamaAdapter
from .modernbert import ModernBertAdapter
from .xlnet import XLNetAdapter

_REGISTRY: dict[str, Adapter] = {}


def register_adapter(adapter: Adapter) -> None:
    """Register (or replace) the adapter for each of adapter.model_types."""
    if not isinstance(adapter, Adapter):
        raise TypeError(f"register_adapter expects an Adapter instance, got {type(adapter).__name__}")
    if not adapter.model_types or not all(isinstance(t, str) for t in adapter.model_types):
        raise ValueError("adapter.model_types must be a non-empty tuple of config.model_type strings")
    for model_type in adapter.model_types:
        _REGISTRY[model_type] = adapter


def supported_model_types() -> tuple[str, ...]:
    """Model types with an adapter right now (built-ins plus registered ones)."""
    return tuple(sorted(_REGISTRY))


def get_adapter(model_or_config) -> Adapter:
    """The adapter for a model (or its config), looked up by config.model_type."""
    config = getattr(model_or_config, "config", model_or_config)
    model_type = getattr(config, "model_type", None)
    if model_type in _REGISTRY:
        return _REGISTRY[model_type]
    what = f"model_type {model_type!r}" if model_type else f"{type(model_or_config).__name__} (no config.model_type)"
    raise ValueError(
        f"poorman has no layer adapter for {what}. Supported model types: "
        f"{', '.join(supported_model_types())}. To add one, subclass poorman.core.surgery.Adapter "
        "(set model_types and layer_paths) and call poorman.register_adapter(MyAdapter())."
    )


for _adapter in (BertAdapter(), DebertaV2Adapter(), DistilBertAdapter(), XLNetAdapter(), AlbertAdapter(),
                 ModernBertAdapter(), GPT2Adapter(), LlamaAdapter()):
    register_adapter(_adapter)

SUPPORTED_MODEL_TYPES = supported_model_types()  # the built-ins; see supported_model_types() for live

__all__ = ["Adapter", "get_adapter", "register_adapter", "supported_model_types", "SUPPORTED_MODEL_TYPES"]
