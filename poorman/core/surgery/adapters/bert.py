"""BERT-style encoders: the stack lives at `encoder.layer`, depth in `num_hidden_layers`."""

import warnings

from .base import Adapter


class BertAdapter(Adapter):
    model_types: tuple[str, ...] = ("bert", "roberta", "xlm-roberta", "electra", "mpnet")
    layer_paths: tuple[str, ...] = ("encoder.layer",)


class DebertaV2Adapter(BertAdapter):
    """DeBERTa-v2/v3. Relative-position embeddings live on the encoder and are shared, so
    they stay. The optional nGiE conv (conv_kernel_size > 0, e.g. deberta-v2-xlarge) is
    hard-wired to run after whatever layer sits at position 0; if layer 0 is dropped it runs
    after the new first layer, exactly as from_pretrained would rebuild it."""

    model_types = ("deberta-v2",)

    def check(self, model, keep):
        if keep[0] != 0 and getattr(model.config, "conv_kernel_size", 0) > 0:
            warnings.warn(
                "DeBERTa-v2: the encoder's conv (conv_kernel_size > 0) always follows the first "
                "layer; with layer 0 dropped it now follows the new first layer, so outputs differ "
                "from merely skipping layer 0 (the saved checkpoint reloads to this same model).",
                stacklevel=4,
            )
