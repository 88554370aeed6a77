"""Layer surgery: drop whole transformer layers and keep checkpoints reloadable."""

from .adapters import SUPPORTED_MODEL_TYPES, Adapter, get_adapter, register_adapter, supported_model_types
from .drop import drop_layers, validate_layers
from .load import load_config, load_model
from .save import check_saved, save_checkpoint

__all__ = ["drop_layers", "get_adapter", "register_adapter", "Adapter", "SUPPORTED_MODEL_TYPES",
           "supported_model_types", "validate_layers", "save_checkpoint", "check_saved",
           "load_model", "load_config"]
