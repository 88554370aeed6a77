"""ModernBERT: global/local attention per layer (config.layer_types); layer 0 has no attn pre-norm."""

import pytest
import torch
import transformers
from transformers import AutoModel

from poorman.core.surgery import drop_layers
from surgery_checks import (assert_untouched, build, check_drop, check_layer_idx, check_noop, check_reload,
                            check_reload_subprocess, layer_params, main_output, make_inputs, num_params, snapshot,
                            tiny_config)

HEADS = ["base", "seq", "mlm"]
# global_attn_every_n_layers=3 over 6 layers: full, sliding, sliding, full, sliding, sliding
FULL_SLIDING = ["full_attention", "sliding_attention", "sliding_attention"] * 2
# transformers < 5 has no config.layer_types: it rebuilds "every 3rd layer is global" from the
# index, so only drops whose kept layers still follow that rule can be saved (poorman refuses the rest)
HAS_LAYER_TYPES = getattr(tiny_config("modernbert"), "layer_types", None) is not None
needs_layer_types = pytest.mark.skipif(
    not HAS_LAYER_TYPES, reason=f"transformers {transformers.__version__} has no ModernBERT config.layer_types, "
    "so it cannot express kept layers that break global_attn_every_n_layers")
FITS_RULE = [[4, 5], [2, 3, 4]]  # kept: full, sliding, sliding, full / full, sliding, sliding
BREAKS_RULE = [[1, 3], [2, 5], [1, 2, 4, 5]]


@pytest.mark.parametrize("head", HEADS)
def test_drop_nothing_is_bit_identical(head):
    check_noop("modernbert", head)


def _check_drop(head, drop, tmp_path):
    model, inputs, out = check_drop("modernbert", head, drop)
    check_layer_idx(model)
    kept_types = [t for i, t in enumerate(FULL_SLIDING) if i not in drop]
    if HAS_LAYER_TYPES:
        assert model.config.layer_types == kept_types
        assert [layer.attention_type for layer in model.base_model.layers] == kept_types
    check_reload(model, inputs, out, head, tmp_path)


@pytest.mark.parametrize("drop", FITS_RULE)
@pytest.mark.parametrize("head", HEADS)
def test_drop_matches_skipping_and_reloads(head, drop, tmp_path):
    _check_drop(head, drop, tmp_path)


@needs_layer_types
@pytest.mark.parametrize("drop", BREAKS_RULE)
@pytest.mark.parametrize("head", HEADS)
def test_drop_breaking_the_rule_matches_skipping_and_reloads(head, drop, tmp_path):
    _check_drop(head, drop, tmp_path)


@pytest.mark.skipif(HAS_LAYER_TYPES, reason="config.layer_types can express any kept pattern")
@pytest.mark.parametrize("drop", BREAKS_RULE)
def test_drop_breaking_the_rule_is_refused_without_layer_types(drop):
    model = build("modernbert")
    snap = snapshot(model)
    with pytest.raises(ValueError, match="no config.layer_types.*global_attn_every_n_layers=3; upgrade"):
        drop_layers(model, drop)
    assert_untouched(model, snap)


@needs_layer_types
def test_attention_types_survive_reload_where_it_matters(tmp_path):
    """After dropping 1 and 3 the kept types [full, sliding, sliding, sliding] no longer follow
    'every 3rd is global'; a rebuild from the old rule would give different outputs."""
    model, inputs, out = check_drop("modernbert", "base", [1, 3])
    again = check_reload(model, inputs, out, "base", tmp_path)
    assert again.config.layer_types == ["full_attention"] + ["sliding_attention"] * 3
    cfg = again.config.to_dict()
    cfg.pop("layer_types")
    by_rule = AutoModel.from_config(type(again.config)(**cfg)).eval()
    assert by_rule.config.layer_types[3] == "full_attention"
    by_rule.load_state_dict(model.state_dict())
    assert not torch.allclose(main_output(by_rule, inputs), out, atol=1e-3)


def test_dropping_layer_0_removes_the_new_first_norm(tmp_path):
    model = build("modernbert")
    inputs = make_inputs(model)
    params, dropped = num_params(model), layer_params(model, [0, 1, 2])
    first_norm = num_params(model.layers[3].attn_norm)
    with pytest.warns(UserWarning, match="pre-norm"):
        drop_layers(model, [0, 1, 2])
    assert isinstance(model.layers[0].attn_norm, torch.nn.Identity)
    assert num_params(model) == params - dropped - first_norm
    check_layer_idx(model)
    check_reload(model, inputs, main_output(model, inputs), "base", tmp_path)


def test_reload_in_fresh_interpreter_without_poorman(tmp_path):
    cases = [(*check_drop("modernbert", h, [2, 3, 4]), h) for h in HEADS]
    if HAS_LAYER_TYPES:  # kept types that only config.layer_types can say
        cases.append((*check_drop("modernbert", "base", [1, 3]), "base"))
    check_reload_subprocess(cases, tmp_path)
