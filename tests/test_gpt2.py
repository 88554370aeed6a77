"""GPT-2: transformer.h, config.n_layer, KV cache by layer_idx, optional 1/(layer_idx+1) scaling."""

import pytest
import transformers

from poorman.core.surgery import drop_layers
from surgery_checks import (assert_untouched, build, check_drop, check_generate, check_layer_idx, check_noop,
                            check_reload, check_reload_subprocess, snapshot)

HEADS = ["base", "seq", "clm"]


@pytest.mark.parametrize("head", HEADS)
def test_drop_nothing_is_bit_identical(head):
    check_noop("gpt2", head)


@pytest.mark.parametrize("drop", [[1, 3], [0, 4], [0, 1, 2, 3]])
@pytest.mark.parametrize("head", HEADS)
def test_drop_matches_skipping_and_reloads(head, drop, tmp_path):
    model, inputs, out = check_drop("gpt2", head, drop)
    assert model.config.n_layer == 5 - len(drop)
    check_layer_idx(model)
    check_reload(model, inputs, out, head, tmp_path)


@pytest.mark.parametrize("drop", [[1, 3], [0, 4]])
def test_generate_with_cache(drop):
    check_generate("gpt2", drop)


# transformers 4.x applies scale_attn_by_inverse_layer_idx in eager attention only; 5.x everywhere
SCALED = dict(scale_attn_by_inverse_layer_idx=True)
APPLIES_SCALE = {"eager": True, "sdpa": int(transformers.__version__.split(".")[0]) >= 5}


@pytest.mark.parametrize("attention", ["eager", "sdpa"])
def test_inverse_layer_idx_scaling_is_folded(attention, tmp_path):
    """Kept layers move to a smaller index; their 1/(idx+1) score scale must not change."""
    if not APPLIES_SCALE[attention]:
        pytest.skip(f"transformers {transformers.__version__} ignores the layer scale under {attention}; "
                    "test_drop_refused_where_the_scale_is_ignored covers it")
    model, inputs, out = check_drop("gpt2", "clm", [0, 2], attn_implementation=attention, **SCALED)
    check_layer_idx(model)
    check_reload(model, inputs, out, "clm", tmp_path)
    check_generate("gpt2", [0, 2], attn_implementation=attention, **SCALED)


def test_drop_refused_where_the_scale_is_ignored():
    """4.x sdpa never applies the scale the config asks for: no checkpoint can match both readings."""
    if APPLIES_SCALE["sdpa"]:
        pytest.skip(f"transformers {transformers.__version__} applies the layer scale under sdpa too")
    model = build("gpt2", "clm", attn_implementation="sdpa", **SCALED)
    snap = snapshot(model)
    with pytest.raises(ValueError, match=r"ignores that scaling under 'sdpa'.*layers \[1, 3, 4\].*eager"):
        drop_layers(model, [0, 2])
    assert_untouched(model, snap)


@pytest.mark.parametrize("attention", ["eager", "sdpa"])
def test_dropping_only_top_layers_needs_no_fold(attention, tmp_path):
    """No kept layer moves, so the scale is right under every attention and version."""
    model, inputs, out = check_drop("gpt2", "clm", [3, 4], attn_implementation=attention, **SCALED)
    check_reload(model, inputs, out, "clm", tmp_path)


def test_reload_in_fresh_interpreter_without_poorman(tmp_path):
    cases = [(*check_drop("gpt2", h, [0, 2]), h) for h in HEADS]
    cases.append((*check_drop("gpt2", "clm", [0, 2], attn_implementation="eager", **SCALED), "clm"))
    check_reload_subprocess(cases, tmp_path)
