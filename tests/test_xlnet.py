"""XLNet: XLNetModel.layer, config.n_layer and XLNetModel.n_layer; (seq, batch, hidden) layers."""

import pytest

from poorman.core.surgery import get_adapter
from surgery_checks import build, check_drop, check_noop, check_reload, check_reload_subprocess

HEADS = ["base", "seq", "clm"]  # clm = XLNetLMHeadModel


def test_adapter_flags():
    assert get_adapter(build("xlnet")).hidden_batch_first is False


@pytest.mark.parametrize("head", HEADS)
def test_drop_nothing_is_bit_identical(head):
    check_noop("xlnet", head)


@pytest.mark.parametrize("drop", [[1, 3], [0, 4], [0, 1, 2, 3]])
@pytest.mark.parametrize("head", HEADS)
def test_drop_matches_skipping_and_reloads(head, drop, tmp_path):
    model, inputs, out = check_drop("xlnet", head, drop)
    assert model.config.n_layer == 5 - len(drop)
    assert model.base_model.n_layer == 5 - len(drop)  # XLNetModel keeps its own copy
    check_reload(model, inputs, out, head, tmp_path)


def test_reload_in_fresh_interpreter_without_poorman(tmp_path):
    check_reload_subprocess([(*check_drop("xlnet", h, [0, 2]), h) for h in HEADS], tmp_path)
