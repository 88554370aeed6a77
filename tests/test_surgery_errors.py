"""drop_layers validates everything before touching the model; bad input leaves it intact."""

import numpy as np
import pytest
import torch
from transformers import T5Config, T5Model

from poorman.core.surgery import SUPPORTED_MODEL_TYPES, Adapter, drop_layers, get_adapter, register_adapter
from poorman.core.surgery.adapters import _REGISTRY, supported_model_types
from surgery_checks import assert_untouched, build, check_drop, snapshot

BAD = [
    ([5], ValueError, r"out of range: \[5\]; valid layer indices are 0\.\.4"),
    ([1, 99], ValueError, r"out of range.*0\.\.4"),
    ([-1], ValueError, r"out of range: \[-1\].*0\.\.4"),
    ([1, 2, 1], ValueError, r"duplicate layer indices: \[1\]"),
    ([0, 1, 2, 3, 4], ValueError, r"at least one layer must remain.*0\.\.4"),
    ([1.0], TypeError, r"must be ints, got 1\.0 \(float\)"),
    (["1"], TypeError, r"must be ints"),
    ([True], TypeError, r"must be ints, got True \(bool\)"),
    ([torch.tensor(1)], TypeError, r"must be ints"),
    ([None], TypeError, r"must be ints"),
    (None, TypeError, r"iterable of ints, got NoneType"),
    (3, TypeError, r"iterable of ints, got int"),
]


@pytest.mark.parametrize("layers, error, match", BAD)
@pytest.mark.parametrize("model_type", ["bert", "llama"])
def test_bad_indices_raise_and_leave_model_untouched(model_type, layers, error, match):
    model = build(model_type)
    snap = snapshot(model)
    with pytest.raises(error, match=match):
        drop_layers(model, layers)
    assert_untouched(model, snap)


def test_bad_indices_on_albert_do_not_warn_or_touch():
    model = build("albert")  # 6 repetitions
    snap = snapshot(model)
    with pytest.raises(ValueError, match=r"0\.\.5"):
        drop_layers(model, [6])
    assert_untouched(model, snap)


@pytest.mark.parametrize("model", [
    T5Model(T5Config(vocab_size=99, d_model=32, d_kv=8, d_ff=64, num_layers=2, num_heads=2)),
    torch.nn.Sequential(torch.nn.Linear(4, 4)),
], ids=["t5", "plain-module"])
def test_unknown_architecture(model):
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with pytest.raises(ValueError) as err:
        drop_layers(model, [0])
    msg = str(err.value)
    assert "Supported model types" in msg and "bert" in msg and "llama" in msg
    assert "register_adapter" in msg
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in before.items())
    with pytest.raises(ValueError, match="register_adapter"):
        get_adapter(model)


def test_supported_model_types():
    expected = {"bert", "roberta", "xlm-roberta", "electra", "mpnet", "deberta-v2", "distilbert", "xlnet",
                "albert", "modernbert", "gpt2", "llama", "qwen2", "qwen3", "mistral"}
    assert set(SUPPORTED_MODEL_TYPES) == expected
    for model_type in expected:
        assert isinstance(get_adapter(build(model_type).config), Adapter)


def test_accepts_any_iterable_of_ints():
    for layers in ((1, 3), {3, 1}, range(1, 4, 2), (i for i in (3, 1)), np.array([1, 3]), [np.int64(1), 3]):
        model = build("bert")
        drop_layers(model, layers)
        assert model.config.poorman["kept"] == [0, 2, 4]


def test_register_adapter_for_a_new_family():
    class MegatronBertAdapter(Adapter):
        model_types = ("megatron-bert",)
        layer_paths = ("encoder.layer",)

    from transformers import MegatronBertConfig, MegatronBertModel
    torch.manual_seed(0)
    model = MegatronBertModel(MegatronBertConfig(vocab_size=99, hidden_size=32, num_hidden_layers=4,
                                                 num_attention_heads=2, intermediate_size=64)).eval()
    with pytest.raises(ValueError, match="megatron-bert"):
        drop_layers(model, [1])
    register_adapter(MegatronBertAdapter())
    try:
        assert "megatron-bert" in supported_model_types()
        drop_layers(model, [1])
        assert len(model.encoder.layer) == 3 and model.config.num_hidden_layers == 3
    finally:
        _REGISTRY.pop("megatron-bert")
    with pytest.raises(TypeError):
        register_adapter(MegatronBertAdapter)  # the class, not an instance
    with pytest.raises(ValueError):
        register_adapter(Adapter())  # no model_types


def test_strategy_must_be_json_serialisable():
    model = build("bert")
    snap = snapshot(model)
    with pytest.raises(TypeError, match="JSON"):
        drop_layers(model, [1], strategy=object())
    assert_untouched(model, snap)
    model, _, _ = check_drop("bert", "base", [2])
    assert model.config.poorman["strategy"] == "test"
