"""BERT-style encoders: bert, roberta, xlm-roberta, electra, mpnet, deberta-v2."""

import pytest
import torch
from transformers import AutoModel

from poorman.core.surgery import drop_layers, get_adapter
from surgery_checks import (build, check_drop, check_layer_idx, check_noop, check_reload, check_reload_subprocess,
                            main_output, make_inputs)

TYPES = ["bert", "roberta", "xlm-roberta", "electra", "mpnet", "deberta-v2"]
HEADS = ["base", "seq", "mlm"]


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


@pytest.mark.parametrize("drop", [[0], [4], [0, 4], [0, 1, 2, 3]])
@pytest.mark.parametrize("model_type", TYPES)
def test_drop_first_last_and_most(model_type, drop):
    check_drop(model_type, "base", drop)


def test_reload_in_fresh_interpreter_without_poorman(tmp_path):
    cases = [(*check_drop(t, "seq", [0, 4]), "seq") for t in TYPES]
    check_reload_subprocess(cases, tmp_path)


def test_bert_by_hand():
    """Embeddings -> the kept layers of the ORIGINAL model, one by one -> pruned output."""
    model = build("bert")
    inputs = make_inputs(model)
    keep = [0, 2, 4]
    with torch.no_grad():
        h = model.embeddings(input_ids=inputs["input_ids"])
        mask = (1.0 - inputs["attention_mask"][:, None, None, :].float()) * torch.finfo(torch.float32).min
        for i in keep:
            h = model.encoder.layer[i](h, attention_mask=mask)
            h = h[0] if isinstance(h, tuple) else h
    drop_layers(model, [1, 3])
    assert len(model.encoder.layer) == 3
    torch.testing.assert_close(main_output(model, inputs), h, atol=1e-5, rtol=1e-4)


def test_drop_twice_composes(tmp_path):
    model = build("bert", num_hidden_layers=6)
    drop_layers(model, [1, 3], strategy="a")  # kept 0 2 4 5
    model.save_pretrained(tmp_path)  # the record also composes after a reload
    model = AutoModel.from_pretrained(tmp_path).eval()
    drop_layers(model, [0, 2], strategy="b")  # current 0 and 2 are original 0 and 4
    assert model.config.poorman == {"original_num_layers": 6, "dropped": [0, 1, 3, 4], "kept": [2, 5],
                                    "strategy": "b"}
    ref = build("bert", num_hidden_layers=6)
    inputs = make_inputs(ref)
    drop_layers(ref, [0, 1, 3, 4])
    assert torch.equal(main_output(model, inputs), main_output(ref, inputs))
    assert get_adapter(model).num_layers(model) == 2


def test_deberta_conv_follows_first_layer(tmp_path):
    """nGiE conv is tied to position 0: dropping layer 1 is exact, dropping layer 0 warns."""
    check_drop("deberta-v2", "base", [1, 3], conv_kernel_size=3)
    model = build("deberta-v2", conv_kernel_size=3)
    inputs = make_inputs(model)
    with pytest.warns(UserWarning, match="conv"):
        drop_layers(model, [0, 2])
    check_reload(model, inputs, main_output(model, inputs), "base", tmp_path)
