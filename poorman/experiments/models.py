"""Load a model and tokenizer for fine-tuning: a Hub id, a local folder, or `tiny-random/<type>`.

`tiny-random/<model_type>` builds a small randomly initialised model from its
config class and a character-level tokenizer, with no download: the smoke
profile and the tests run every code path on it in seconds.
"""

import functools
import string

import torch
from safetensors import SafetensorError
from transformers import (AutoConfig, AutoModel, AutoModelForSequenceClassification, AutoTokenizer,
                          PreTrainedTokenizerFast)

from ..core.surgery.load import check_weights, load_config

TINY_PREFIX = "tiny-random/"
_SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
_TINY_SIZES = dict(hidden_size=32, num_hidden_layers=6, num_attention_heads=4, intermediate_size=64,
                   max_position_embeddings=128)
# Families whose config names the same things differently.
_TINY_RENAMES = {
    "distilbert": dict(dim=32, n_layers=6, n_heads=4, hidden_dim=64, max_position_embeddings=128),
    "xlnet": dict(d_model=32, n_layer=6, n_head=4, d_inner=64),
    "gpt2": dict(n_embd=32, n_layer=6, n_head=4, n_positions=128),
    "albert": dict(_TINY_SIZES, embedding_size=16),
    # RoBERTa numbers positions from pad_token_id + 1: 128 tokens need 130 positions, and the
    # padding index must be the tiny tokenizer's [PAD] (0), not RoBERTa's default 1.
    "roberta": dict(_TINY_SIZES, max_position_embeddings=130, pad_token_id=0),
}


def tiny_tokenizer():
    """A character-level fast tokenizer: deterministic, no training, no download."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    chars = sorted(set(string.ascii_lowercase + string.digits + string.punctuation + " "))
    vocab = {tok: i for i, tok in enumerate(_SPECIALS + chars)}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.normalizer = __import__("tokenizers").normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.Split("", behavior="isolated")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])])
    return PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="[PAD]", unk_token="[UNK]",
                                   cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]")


def tiny_config(model_type, **overrides):
    sizes = _TINY_RENAMES.get(model_type, _TINY_SIZES)
    vocab = len(tiny_tokenizer())
    config = AutoConfig.for_model(model_type, vocab_size=vocab, **sizes, **overrides)
    if getattr(config, "pad_token_id", None) is None or config.pad_token_id >= vocab:
        config.pad_token_id = 0
    return config


def tiny_type(model_id):
    """'bert' for 'tiny-random/bert'; None for a Hub id or a local folder. The one place that tells them apart."""
    return model_id[len(TINY_PREFIX):] if model_id.startswith(TINY_PREFIX) else None


def load_pretrained(model_id, auto_class=AutoModel, seed=0, **config_changes):
    """Pre-trained weights (or a tiny random model) as `auto_class`; torch is seeded first, so any
    new weights (a classification head, every tiny weight) depend on `seed` alone."""
    tiny = tiny_type(model_id)
    torch.manual_seed(seed)
    if tiny:
        return auto_class.from_config(tiny_config(tiny, **config_changes))
    model_config(model_id)  # refuses a folder with custom code (auto_map) in plain words
    check_weights(model_id)
    try:
        return auto_class.from_pretrained(model_id, trust_remote_code=False, **config_changes)
    except SafetensorError as err:  # a cached Hub file cut short
        raise OSError(f"{model_id}: a weights file is not a complete safetensors file ({err}); "
                      f"download it again") from None


def load_tokenizer(model_id):
    return tiny_tokenizer() if tiny_type(model_id) else AutoTokenizer.from_pretrained(model_id, trust_remote_code=False)


def load_for_classification(model_id, num_labels, seed=42, label_names=()):
    """(model, tokenizer) with a fresh classification head; regression when num_labels == 1.

    label_names (in id order) go into config.id2label/label2id, so a saved checkpoint names them."""
    problem = "regression" if num_labels == 1 else "single_label_classification"
    names = dict(id2label=dict(enumerate(label_names)), label2id={n: i for i, n in enumerate(label_names)}) \
        if label_names else {}
    tokenizer = load_tokenizer(model_id)
    model = load_pretrained(model_id, AutoModelForSequenceClassification, seed, num_labels=num_labels,
                       problem_type=problem, **names)
    if model.config.model_type == "xlnet" and tiny_type(model_id):
        tokenizer.padding_side = "left"  # as XLNet's own tokenizer: the summary token is last
    if model.config.pad_token_id is None and tokenizer.pad_token_id is not None:
        model.config.pad_token_id = tokenizer.pad_token_id  # GPT-style heads need it to find the last token
    return model, tokenizer


@functools.lru_cache(maxsize=None)
def model_config(model_id):
    """The config alone (no weights): enough to plan a sweep. Cached and shared: read, don't modify."""
    tiny = tiny_type(model_id)
    return tiny_config(tiny) if tiny else load_config(model_id)  # trust_remote_code=False


# Families that number positions from pad_token_id + 1 (MPNet-base: 514 positions, 512 tokens).
PAD_OFFSET_POSITIONS = {"roberta", "xlm-roberta", "xlm-roberta-xl", "camembert", "mpnet", "longformer",
                        "roberta-prelayernorm", "data2vec-text", "ibert"}


def max_positions(config):
    """The most tokens a model takes (its position table), or None when it has no such limit (XLNet)."""
    limit = getattr(config, "max_position_embeddings", None) or getattr(config, "n_positions", None)
    if limit and config.model_type in PAD_OFFSET_POSITIONS:
        limit -= (config.pad_token_id or 0) + 1  # their positions are numbered from pad + 1
    return limit if limit and limit > 0 else None  # XLNet says -1: relative positions, no table
