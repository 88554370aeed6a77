"""Surgery on the two real offline checkpoints (scripts/offline_models.py puts them in the HF cache)."""

import copy
import os

import pytest
import torch
from transformers import AutoModel, AutoTokenizer

from poorman.core.surgery import drop_layers
from surgery_checks import check_reload_subprocess, layer_params, main_output, num_params, skipping

pytestmark = pytest.mark.real

MPNET = "sentence-transformers/all-mpnet-base-v2"
MINILM = "sentence-transformers/all-MiniLM-L6-v2"
TEXTS = ["Dropping the top layers barely hurts.", "A poor man's BERT is still a BERT, mostly."]


def _load(hub_id):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        model = AutoModel.from_pretrained(hub_id, local_files_only=True).eval()
        tok = AutoTokenizer.from_pretrained(hub_id, local_files_only=True)
    except OSError as err:
        pytest.skip(f"{hub_id} is not in the Hugging Face cache (run scripts/offline_models.py): {str(err).splitlines()[0]}")
    return model, dict(tok(TEXTS, padding=True, return_tensors="pt"))


@pytest.fixture(scope="module")
def mpnet():
    return _load(MPNET)


@pytest.fixture(scope="module")
def minilm():
    return _load(MINILM)


CASES = [("mpnet", 12, [0, 5, 11]), ("minilm", 6, [1, 4])]


@pytest.mark.parametrize("name, depth, drop", CASES)
def test_drop_nothing_is_bit_identical(name, depth, drop, request):
    model, inputs = request.getfixturevalue(name)
    assert model.config.num_hidden_layers == depth
    before = main_output(model, inputs)
    drop_layers(model, [])
    assert torch.equal(main_output(model, inputs), before)
    assert not hasattr(model.config, "poorman")


@pytest.mark.parametrize("name, depth, drop", CASES)
def test_drop_matches_skipping_and_reloads_without_poorman(name, depth, drop, request, tmp_path):
    original, inputs = request.getfixturevalue(name)
    model = copy.deepcopy(original)
    with skipping(model, drop):
        ref = main_output(model, inputs)
    params, dropped = num_params(model), layer_params(model, drop)
    drop_layers(model, drop, strategy="real-test")
    out = main_output(model, inputs)
    torch.testing.assert_close(out, ref, atol=1e-5, rtol=1e-4)
    assert num_params(model) == params - dropped  # exactly the dropped layers' weights
    assert dropped == len(drop) * layer_params(original, [0])
    assert model.config.poorman["dropped"] == drop and model.config.num_hidden_layers == depth - len(drop)
    check_reload_subprocess([(model, inputs, out, "base")], tmp_path)
