"""load_model: a checkpoint as it was saved, ready for exact surgery.

- its own class (config.architectures), so task heads survive a drop and a save;
- its own dtype (transformers 4.x otherwise loads bf16 and fp16 weights as fp32);
- the attention its adapter needs for every drop to be exact (GPT-2 on 4.x: eager);
- never a model folder's own code: trust_remote_code=False everywhere, and a config whose
  auto_map names custom code is refused (transformers would otherwise ask at the terminal).
"""

import warnings
from pathlib import Path

import transformers
from transformers import AutoConfig, AutoModel

from .adapters import get_adapter


def load_config(model_id):
    """The config of a model folder or Hub id; a clear ValueError when model_id is neither."""
    from huggingface_hub.utils import HFValidationError, validate_repo_id
    path = Path(model_id)
    if path.exists() and not (path / "config.json").is_file():
        raise ValueError(f"{model_id}: not a model folder (it holds no config.json)")
    if not path.exists():
        try:
            validate_repo_id(str(model_id))
        except HFValidationError:
            raise ValueError(f"{model_id}: no such folder, and not a Hub id (owner/name)") from None
    try:
        config = AutoConfig.from_pretrained(model_id, trust_remote_code=False)
    except ValueError as err:
        if "custom code" in str(err):  # a model type that only the folder's own code defines
            refuse_remote_code(model_id, "its config's model type")
        raise
    if getattr(config, "auto_map", None):
        refuse_remote_code(model_id, f"auto_map {sorted(set(config.auto_map.values()))}")
    return config


def refuse_remote_code(model_id, what):
    raise ValueError(f"{model_id}: {what} names custom code in the model folder; poorman never runs a "
                     f"model's own code (trust_remote_code=False): use a checkpoint of a transformers "
                     f"architecture")


def check_weights(model_id):
    """Raise OSError naming the file if a local folder's safetensors file is damaged or cut short
    (its header and size are read, not its tensors)."""
    from safetensors import SafetensorError, safe_open
    folder = Path(model_id)
    for path in sorted(folder.glob("*.safetensors")) if folder.is_dir() else []:
        try:
            with safe_open(path, "pt"):
                pass
        except SafetensorError as err:
            raise OSError(f"{path}: not a complete safetensors file ({err}); the checkpoint was cut short "
                          f"(a full disk or an interrupted copy): download or save it again") from None


def named_class(config):
    """The model class that config.architectures names, or None when it names none that fits."""
    archs = getattr(config, "architectures", None)
    archs = [archs] if isinstance(archs, str) else archs
    arch = archs[0] if isinstance(archs, (list, tuple)) and archs else None
    try:
        cls = getattr(transformers, arch, None) if isinstance(arch, str) else None
    except ImportError:  # a class whose backend is not installed
        cls = None
    if isinstance(cls, type) and issubclass(cls, transformers.PreTrainedModel) \
            and isinstance(config, cls.config_class):
        return cls
    if archs:
        warnings.warn(f"config.architectures is {archs!r}, which names no {type(config).__name__} model class "
                      f"in transformers {transformers.__version__}; loading the bare AutoModel", stacklevel=3)
    return None


def keep_dtype():
    """from_pretrained arguments that keep the checkpoint's dtype (renamed dtype in 4.56)."""
    major, minor = (int(x) for x in transformers.__version__.split(".")[:2])
    return {"dtype" if (major, minor) >= (4, 56) else "torch_dtype": "auto"}


def load_model(model_id, config=None):
    """The checkpoint's own class (from config.architectures) so heads survive; AutoModel otherwise.

    Some checkpoints name a head they do not hold (sentence-transformers' MPNet says
    MPNetForMaskedLM but stores only the encoder and pooler): loading that class would add a
    random head and lose the pooler, so when any weight is missing the bare AutoModel is used.
    """
    config = config if config is not None else load_config(model_id)
    check_weights(model_id)
    kwargs = {**keep_dtype(), **get_adapter(config).load_kwargs(config), "trust_remote_code": False}
    cls = named_class(config)
    if cls is not None:
        verbosity = transformers.logging.get_verbosity()
        transformers.logging.set_verbosity_error()  # no load report for a try we may discard
        try:
            model, info = cls.from_pretrained(model_id, output_loading_info=True, **kwargs)
        finally:
            transformers.logging.set_verbosity(verbosity)
        if not info["missing_keys"]:
            return model
        warnings.warn(f"{model_id}: config.architectures says {cls.__name__}, but the checkpoint lacks "
                      f"{len(info['missing_keys'])} of its weights; loading the bare AutoModel", stacklevel=2)
    return AutoModel.from_pretrained(model_id, **kwargs)
