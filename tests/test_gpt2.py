"""GPT-2: transformer.h, config.n_layer, KV cache by layer_idx, optional 1/(layer_idx+1) scaling."""

import pytest

from surgery_checks import (check_drop, check_generate, check_layer_idx, check_noop, check_reload,
                            check_reload_subprocess)

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


def test_inverse_layer_idx_scaling_is_folded(tmp_path):
    """Kept layers move to a smaller index; their 1/(idx+1) score scale must not change."""
    model, inputs, out = check_drop("gpt2", "clm", [0, 2], scale_attn_by_inverse_layer_idx=True)
    check_layer_idx(model)
    check_reload(model, inputs, out, "clm", tmp_path)
    check_generate("gpt2", [0, 2], scale_attn_by_inverse_layer_idx=True)


def test_reload_in_fresh_interpreter_without_poorman(tmp_path):
    cases = [(*check_drop("gpt2", h, [0, 2]), h) for h in HEADS]
    cases.append((*check_drop("gpt2", "clm", [0, 2], scale_attn_by_inverse_layer_idx=True), "clm"))
    check_reload_subprocess(cases, tmp_path)
