"""DistilBERT: transformer.layer, config.n_layers (and Transformer.n_layers)."""

import pytest

from surgery_checks import check_drop, check_noop, check_reload, check_reload_subprocess

HEADS = ["base", "seq", "mlm"]


@pytest.mark.parametrize("head", HEADS)
def test_drop_nothing_is_bit_identical(head):
    check_noop("distilbert", head)


@pytest.mark.parametrize("drop", [[1, 3], [0, 4], [0, 1, 2, 3]])
@pytest.mark.parametrize("head", HEADS)
def test_drop_matches_skipping_and_reloads(head, drop, tmp_path):
    model, inputs, out = check_drop("distilbert", head, drop)
    assert model.config.n_layers == 5 - len(drop)
    assert model.base_model.transformer.n_layers == 5 - len(drop)  # the module keeps its own copy
    check_reload(model, inputs, out, head, tmp_path)


def test_reload_in_fresh_interpreter_without_poorman(tmp_path):
    check_reload_subprocess([(*check_drop("distilbert", h, [0, 2]), h) for h in HEADS], tmp_path)
