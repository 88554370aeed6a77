"""Llama-style decoders: llama, qwen2, qwen3, mistral (model.layers, layer_types, sliding windows)."""

import pytest
import torch
import transformers
from transformers import AutoModelForCausalLM

from poorman.core.surgery import drop_layers
from surgery_checks import (build, check_drop, check_generate, check_layer_idx, check_noop, check_reload,
                            check_reload_subprocess, main_output, make_inputs, tiny_config)

TYPES = ["llama", "qwen2", "qwen3", "mistral"]
HEADS = ["base", "seq", "clm"]


@pytest.mark.parametrize("head", HEADS)
@pytest.mark.parametrize("model_type", TYPES)
def test_drop_nothing_is_bit_identical(model_type, head):
    check_noop(model_type, head)


@pytest.mark.parametrize("head", HEADS)
@pytest.mark.parametrize("model_type", TYPES)
def test_drop_matches_skipping_and_reloads(model_type, head, tmp_path):
    model, inputs, out = check_drop(model_type, head, [1, 3])
    check_layer_idx(model)
    check_reload(model, inputs, out, head, tmp_path)


@pytest.mark.parametrize("drop", [[0, 4], [0, 1, 2, 3]])
@pytest.mark.parametrize("model_type", TYPES)
def test_drop_first_last_and_most(model_type, drop, tmp_path):
    model, inputs, out = check_drop(model_type, "clm", drop)
    check_reload(model, inputs, out, "clm", tmp_path)


@pytest.mark.parametrize("drop", [[1, 3], [0, 4]])
@pytest.mark.parametrize("model_type", TYPES)
def test_generate_with_cache(model_type, drop):
    check_generate(model_type, drop)


@pytest.mark.parametrize("model_type, drop, types, threshold", [
    # qwen2: max_window_layers=2 -> full full | sliding sliding sliding
    ("qwen2", [1], ["full_attention"] + ["sliding_attention"] * 3, 1),
    ("qwen2", [0, 1], ["sliding_attention"] * 3, 0),
    ("qwen2", [2, 3, 4], ["full_attention"] * 2, 2),
    # qwen3: max_window_layers=3 -> full full full | sliding sliding
    ("qwen3", [0, 3], ["full_attention"] * 2 + ["sliding_attention"], 2),
])
def test_sliding_layers_keep_their_type(model_type, drop, types, threshold, tmp_path):
    model, inputs, out = check_drop(model_type, "clm", drop)
    assert model.config.max_window_layers == threshold
    if getattr(model.config, "layer_types", None) is None:
        # older transformers (4.45) have no layer_types and slide only under flash attention: the recount
        # and an exact reload are all there is to check
        check_reload(model, inputs, out, "clm", tmp_path)
        pytest.skip(f"transformers {transformers.__version__} has no {model_type} config.layer_types")
    assert model.config.layer_types == types
    assert model.base_model.has_sliding_layers == ("sliding_attention" in types)
    assert [layer.self_attn.sliding_window is not None for layer in model.base_model.layers] == \
        [t == "sliding_attention" for t in types]
    check_reload(model, inputs, out, "clm", tmp_path)
    # older transformers derive layer_types from max_window_layers: the recount agrees
    cfg = model.config.to_dict()
    cfg.pop("layer_types")
    assert type(model.config)(**cfg).layer_types == types
    # and the types matter: the same weights with the un-recounted threshold give other outputs
    if threshold != tiny_config(model_type).max_window_layers:
        cfg["max_window_layers"] = tiny_config(model_type).max_window_layers
        stale = AutoModelForCausalLM.from_config(type(model.config)(**cfg)).eval()
        stale.load_state_dict(model.state_dict())
        assert not torch.allclose(main_output(stale, inputs), out, atol=1e-3)


def test_mistral_sliding_window_matters():
    """Sanity: the tiny window really changes outputs, so the checks above can see it."""
    windowed = build("mistral", "clm")
    unwindowed = build("mistral", "clm", sliding_window=None)
    inputs = make_inputs(windowed)
    assert not torch.allclose(main_output(windowed, inputs), main_output(unwindowed, inputs), atol=1e-3)
    drop_layers(windowed, [1])
    assert windowed.config.sliding_window == 4


def test_reload_in_fresh_interpreter_without_poorman(tmp_path):
    check_reload_subprocess([(*check_drop(t, "clm", [0, 3]), "clm") for t in TYPES], tmp_path)
