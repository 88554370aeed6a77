"""Layer-wise similarity between a pre-trained model and its fine-tuned copy (chapter 2)."""

import copy

import torch

from poorman.experiments.models import load_for_classification
from poorman.experiments.run.similarity import layer_similarity, linear_cka


def test_linear_cka_is_one_for_itself_and_invariant_to_rotation_and_scale():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(200, 16, generator=g, dtype=torch.float64)
    q, _ = torch.linalg.qr(torch.randn(16, 16, generator=g, dtype=torch.float64))
    assert abs(linear_cka(x, x) - 1) < 1e-12
    assert abs(linear_cka(x, 3.0 * x @ q) - 1) < 1e-9
    assert linear_cka(x, torch.randn(200, 16, generator=g, dtype=torch.float64)) < 0.3


def test_identical_models_are_identical_at_every_layer_and_a_change_shows_where():
    model, tok = load_for_classification("tiny-random/bert", 2)
    model.eval()
    batches = [dict(tok(["a short one", "and a somewhat longer sentence"], padding=True, return_tensors="pt"))]
    same = layer_similarity(model, copy.deepcopy(model), batches)
    assert [r["layer"] for r in same] == list(range(7))  # embeddings + 6 layers
    assert all(abs(r["cka"] - 1) < 1e-9 and abs(r["cosine"] - 1) < 1e-6 for r in same)
    changed = copy.deepcopy(model)
    with torch.no_grad():
        for p in changed.base_model.encoder.layer[3].parameters():
            p.add_(torch.randn_like(p))
    rows = layer_similarity(model, changed, batches)
    assert all(abs(r["cka"] - 1) < 1e-9 for r in rows[:4])  # embeddings and layers 1-3 untouched
    assert rows[4]["cosine"] < 0.999  # layer 4's output moved
