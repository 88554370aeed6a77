"""ALBERT: shared weights, so dropping k layers = k fewer repetitions, no parameters removed."""

import warnings

import pytest
import torch

from poorman.core.surgery import drop_layers, get_adapter
from surgery_checks import (build, check_noop, check_reload, check_reload_subprocess, main_output, make_inputs,
                            num_params, snapshot, assert_untouched)

HEADS = ["base", "seq", "mlm"]


def _drop(model, drop, **kw):
    with pytest.warns(UserWarning, match="shares one set of layer weights") as record:
        drop_layers(model, drop, **kw)
    assert len([w for w in record if "ALBERT" in str(w.message)]) == 1  # warned once
    return model


@pytest.mark.parametrize("head", HEADS)
def test_drop_nothing_is_bit_identical(head):
    check_noop("albert", head)


@pytest.mark.parametrize("head", HEADS)
def test_drop_k_equals_fewer_repetitions(head, tmp_path):
    model = build("albert", head)
    inputs = make_inputs(model)
    params = num_params(model)
    ref = build("albert", head, num_hidden_layers=4)
    ref.load_state_dict(model.state_dict())
    _drop(model, [1, 3], strategy="alternate")
    assert get_adapter(model).shares_weights
    assert get_adapter(model).num_layers(model) == model.config.num_hidden_layers == 4
    assert num_params(model) == params
    out = main_output(model, inputs)
    assert torch.equal(out, main_output(ref, inputs))
    assert model.config.poorman["kept"] == [0, 2, 4, 5]
    check_reload(model, inputs, out, head, tmp_path)


def test_which_layers_does_not_matter():
    outs = []
    for drop in ([4, 5], [0, 1], [1, 3], [0, 5]):  # top, bottom, alternate, ends
        model = build("albert")
        _drop(model, drop)
        outs.append(main_output(model, make_inputs(model)))
    assert all(torch.equal(outs[0], o) for o in outs[1:])
    full = build("albert")
    assert not torch.allclose(outs[0], main_output(full, make_inputs(full)), atol=1e-3)


def test_reload_in_fresh_interpreter_without_poorman(tmp_path):
    cases = []
    for head in HEADS:
        model = _drop(build("albert", head), [0, 2])
        inputs = make_inputs(model)
        cases.append((model, inputs, main_output(model, inputs), head))
    check_reload_subprocess(cases, tmp_path)


def test_two_groups_exact_when_runs_stay_equal(tmp_path):
    # 6 repetitions over 2 groups: [0, 0, 0, 1, 1, 1]
    model = build("albert", num_hidden_groups=2, num_hidden_layers=6)
    inputs = make_inputs(model)
    state = model.state_dict()
    _drop(model, [0, 3])  # -> [0, 0, 1, 1]: still 2 equal runs
    ref = build("albert", num_hidden_groups=2, num_hidden_layers=4)
    ref.load_state_dict(state)
    torch.testing.assert_close(main_output(model, inputs), main_output(ref, inputs), atol=0, rtol=0)
    check_reload(model, inputs, main_output(model, inputs), "base", tmp_path / "a")

    # keeping only group 1's repetitions removes group 0 and its weights
    model = build("albert", num_hidden_groups=2, num_hidden_layers=6)
    params = num_params(model)
    _drop(model, [0, 1, 2])
    assert model.config.num_hidden_groups == 1 and len(model.encoder.albert_layer_groups) == 1
    ref = build("albert", num_hidden_layers=3)
    ref.load_state_dict({k.replace("albert_layer_groups.1.", "albert_layer_groups.0."): v
                         for k, v in state.items() if "albert_layer_groups.0." not in k})
    torch.testing.assert_close(main_output(model, inputs), main_output(ref, inputs), atol=0, rtol=0)
    assert num_params(model) == params - num_params(ref.encoder.albert_layer_groups[0])
    check_reload(model, inputs, main_output(model, inputs), "base", tmp_path / "b")


def test_two_groups_inexact_raises_and_leaves_model_alone():
    model = build("albert", num_hidden_groups=2, num_hidden_layers=6)
    snap = snapshot(model)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and no warning either: nothing happened
        with pytest.raises(ValueError, match="num_hidden_groups=2"):
            drop_layers(model, [0])  # -> [0, 0, 1, 1, 1]
    assert_untouched(model, snap)
