"""layer_scores: one forward pass per batch, the right cosines, blind to padding, every layout."""

import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import poorman
from poorman import LayerScores, layer_scores, select_layers
from poorman.experiments.models import tiny_tokenizer
from poorman.core.surgery import get_adapter
from surgery_checks import build, make_inputs

TOKENS = ("first", "last", "mean")
# Lengths differ a lot, so a batch of them is padded.
TEXTS = ["hello world", "a much longer sentence, with punctuation!", "hi", "the quick brown fox jumps over"]
PAIRS = [("a b", "c d e"), ("hello", "world out there"), ("x", "y")]


def scores(model, inputs, **kw):
    return layer_scores(model, inputs, progress=False, **kw)


def tokenizer(side="right"):
    tok = tiny_tokenizer()
    tok.padding_side = side
    return tok


def reference(hidden_states, mask, token):
    """Boundary cosines from output_hidden_states, one example and one pair at a time."""
    n, b = len(hidden_states), mask.shape[0]
    out = np.zeros((n, n))
    for e in range(b):
        real = mask[e].nonzero().flatten()
        pick = {"first": real[:1], "last": real[-1:], "mean": real}[token]
        for i in range(n):
            for j in range(n):
                cos = F.cosine_similarity(hidden_states[i][e, pick], hidden_states[j][e, pick], dim=-1)
                out[i, j] += cos.mean().item() / b
    return out


# ---- one forward pass --------------------------------------------------------------------------

@pytest.mark.parametrize("model_type", ["bert", "xlnet", "albert", "llama", "gpt2", "distilbert"])
def test_one_forward_pass_per_batch(model_type):
    model = build(model_type)
    adapter = get_adapter(model)
    L = adapter.num_layers(model)
    inputs = make_inputs(model, batch=5, seq=8)
    calls = {"model": 0, "layer": 0}

    def count(key):
        return lambda *_: calls.__setitem__(key, calls[key] + 1)

    handles = [model.register_forward_pre_hook(count("model")),
               adapter.layer_list(model)[0].register_forward_pre_hook(count("layer"))]
    try:
        s = scores(model, inputs, batch_size=2)  # 3 batches: 2 + 2 + 1
    finally:
        for h in handles:
            h.remove()
    assert calls["model"] == 3
    # ALBERT's one shared layer group runs once per repetition
    assert calls["layer"] == (3 * L if adapter.shares_weights else 3)
    assert s.cosine.shape == (L,) and s.boundary_cosine.shape == (L + 1, L + 1)
    assert s.num_examples == 5 and s.meta["model_type"] == model_type
    assert not model.training
    assert all(not h for h in (model._forward_pre_hooks, adapter.layer_list(model)[0]._forward_hooks,
                               adapter.layer_list(model)[0]._forward_pre_hooks))  # hooks removed


def test_training_mode_and_threads_are_restored():
    model = build("bert").train()
    before = torch.get_num_threads()
    torch.set_num_threads(2)  # the similarity maths runs on one CPU thread, then gives them back
    try:
        scores(model, make_inputs(model))
        assert torch.get_num_threads() == 2
        with pytest.raises(ValueError):
            scores(model, [])
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
    assert model.training


# ---- the numbers -------------------------------------------------------------------------------

@pytest.mark.parametrize("token", TOKENS)
@pytest.mark.parametrize("model_type", ["bert", "albert", "xlnet"])
def test_matches_output_hidden_states(model_type, token):
    """For these families hidden_states are the raw layer outputs (batch first in the output)."""
    model = build(model_type)
    inputs = make_inputs(model, batch=3, seq=10)  # right padding in the last row
    with torch.no_grad():
        hs = model(**inputs, output_hidden_states=True).hidden_states
    ref = reference(hs, inputs["attention_mask"], token)
    s = scores(model, inputs, token=token)
    np.testing.assert_allclose(s.boundary_cosine, ref, atol=1e-5)
    np.testing.assert_allclose(s.cosine, [ref[i, i + 1] for i in range(len(hs) - 1)], atol=1e-5)


def test_top_layer_is_scored_before_the_final_norm():
    """GPT-2 applies ln_f to the last hidden state: the scores use the last block's raw output."""
    model = build("gpt2")
    inputs = make_inputs(model, batch=2, seq=8)
    last_block = get_adapter(model).layer_list(model)[-1]
    raw = []
    handle = last_block.register_forward_hook(lambda m, a, out: raw.append(out[0] if isinstance(out, tuple) else out))
    with torch.no_grad():
        hs = model(**inputs, output_hidden_states=True).hidden_states
    handle.remove()
    s = scores(model, inputs)
    normed = reference(hs, inputs["attention_mask"], "mean")
    true = reference(hs[:-1] + (raw[0],), inputs["attention_mask"], "mean")
    np.testing.assert_allclose(s.boundary_cosine, true, atol=1e-5)
    assert abs(normed[-2, -1] - s.cosine[-1]) > 1e-3  # the final norm would have distorted it


# ---- padding -----------------------------------------------------------------------------------

@pytest.mark.parametrize("token", TOKENS)
@pytest.mark.parametrize("model_type, side", [("bert", "right"), ("xlnet", "left"), ("albert", "right"),
                                              ("llama", "left"), ("llama", "right")])
def test_padding_is_ignored(model_type, side, token):
    """A padded batch scores exactly like the same examples one at a time, unpadded."""
    model, tok = build(model_type), tokenizer(side)
    mask = tok(TEXTS, padding=True, return_tensors="pt")["attention_mask"]
    pads = (mask == 0).nonzero()
    assert len(pads) > 0  # there really is padding, on the intended side
    assert (mask[:, 0] == 0).any() if side == "left" else (mask[:, -1] == 0).any()
    together = scores(model, TEXTS, tokenizer=tok, token=token, batch_size=len(TEXTS))
    alone = scores(model, TEXTS, tokenizer=tok, token=token, batch_size=1)
    assert together.num_examples == alone.num_examples == len(TEXTS)
    np.testing.assert_allclose(together.boundary_cosine, alone.boundary_cosine, atol=1e-5)


def test_xlnet_seq_first_layout():
    model = build("xlnet")
    adapter = get_adapter(model)
    assert adapter.hidden_batch_first is False
    inputs = make_inputs(model, batch=3, seq=7)
    shapes = []
    handle = adapter.layer_list(model)[0].register_forward_pre_hook(
        lambda m, args, kwargs: shapes.append(tuple((args[0] if args else kwargs["output_h"]).shape)),
        with_kwargs=True)
    s = scores(model, inputs, token="last")
    handle.remove()
    assert shapes == [(7, 3, 32)]  # the layers really see (seq, batch, hidden)
    with torch.no_grad():
        hs = model(**inputs, output_hidden_states=True).hidden_states  # batch first
    np.testing.assert_allclose(s.boundary_cosine, reference(hs, inputs["attention_mask"], "last"), atol=1e-5)


# ---- LayerScores -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def bert_scores():
    model = build("bert")
    return scores(model, make_inputs(model, batch=3, seq=10))


def test_boundary_cosine_structure(bert_scores):
    s = bert_scores
    b, L = s.boundary_cosine, len(s.cosine)
    np.testing.assert_allclose(b, b.T, atol=1e-6)
    np.testing.assert_allclose(np.diag(b), 1.0, atol=1e-5)
    assert all(s.cosine[i] == b[i, i + 1] for i in range(L))
    assert np.all(b <= 1 + 1e-5) and np.all(b >= -1 - 1e-5)
    for k in range(1, L + 1):
        d = s.angular_distance(k)
        assert d.shape == (L - k + 1,)
        np.testing.assert_allclose(d, [np.arccos(np.clip(b[i, i + k], -1, 1)) / np.pi for i in range(L - k + 1)])
    np.testing.assert_allclose(s.angular_distance(1), np.arccos(np.clip(s.cosine, -1, 1)) / np.pi)
    np.testing.assert_array_equal(s.block_influence, 1.0 - s.cosine)


def test_dict_round_trip(bert_scores):
    d = json.loads(json.dumps(bert_scores.to_dict()))  # JSON-safe
    again = LayerScores.from_dict(d)
    np.testing.assert_array_equal(again.cosine, bert_scores.cosine)
    np.testing.assert_array_equal(again.boundary_cosine, bert_scores.boundary_cosine)
    assert (again.token, again.num_examples, again.meta) == (bert_scores.token, bert_scores.num_examples,
                                                             bert_scores.meta)
    np.testing.assert_array_equal(again.angular_distance(2), bert_scores.angular_distance(2))


# ---- inputs and errors -------------------------------------------------------------------------

def test_unknown_token_lists_choices():
    model = build("bert")
    with pytest.raises(ValueError, match="unknown token choice 'cls'; choose one of first, last, mean"):
        scores(model, make_inputs(model), token="cls")


def test_texts_need_a_tokenizer():
    with pytest.raises(ValueError, match="texts need a tokenizer"):
        scores(build("bert"), TEXTS)
    with pytest.raises(ValueError, match="texts need a tokenizer"):
        scores(build("bert"), PAIRS)


def test_no_examples():
    with pytest.raises(ValueError, match="no calibration examples"):
        scores(build("bert"), [])


def test_text_pairs_and_other_input_forms():
    model, tok = build("bert"), tokenizer()
    s = scores(model, PAIRS, tokenizer=tok, batch_size=2)
    assert s.num_examples == len(PAIRS)
    enc = tok([a for a, _ in PAIRS], [b for _, b in PAIRS], padding=True, return_tensors="pt")
    assert (enc["input_ids"] == tok.sep_token_id).sum() == 2 * len(PAIRS)  # really encoded as pairs
    forms = {
        "BatchEncoding": enc,
        "dict": dict(enc),
        "list of batches": [dict(enc)],
        "list of BatchEncodings": [tok([a], [b], return_tensors="pt") for a, b in PAIRS],
        "generator": (tok([a], [b], return_tensors="pt") for a, b in PAIRS),
    }
    for name, inputs in forms.items():
        other = scores(model, inputs, batch_size=2)
        assert other.num_examples == len(PAIRS), name
        np.testing.assert_allclose(other.boundary_cosine, s.boundary_cosine, atol=1e-5, err_msg=name)


def test_mixed_texts_and_pairs():
    """A calibration file may mix single lines and tab-separated pairs; each is encoded as what it is."""
    model, tok = build("bert"), tokenizer()
    singles = scores(model, TEXTS, tokenizer=tok)
    pairs = scores(model, PAIRS, tokenizer=tok)
    for mixed in (PAIRS + TEXTS, TEXTS + PAIRS, [list(p) for p in PAIRS] + TEXTS):  # pair first or text first
        s = scores(model, mixed, tokenizer=tok, batch_size=len(mixed))
        assert s.num_examples == len(TEXTS) + len(PAIRS)
        weighted = (len(TEXTS) * singles.boundary_cosine + len(PAIRS) * pairs.boundary_cosine) / s.num_examples
        np.testing.assert_allclose(s.boundary_cosine, weighted, atol=1e-5)
    with pytest.raises(ValueError, match="expected texts or"):
        scores(model, ["fine", 3], tokenizer=tok)


# ---- end to end with the strategies ------------------------------------------------------------

def test_contribution_end_to_end():
    model, tok = build("bert", num_hidden_layers=6), tokenizer()
    s = scores(model, TEXTS, tokenizer=tok)
    k = 2
    expected = sorted(np.argsort(-s.cosine, kind="stable")[:k].tolist())
    assert select_layers("contribution", 6, k, scores=s) == expected
    assert poorman.prune(model, "contribution", k, s) == expected
    assert get_adapter(model).num_layers(model) == 6 - k
    assert model.config.poorman["dropped"] == expected
    assert model.config.poorman["strategy"] == "contribution"
    scores(model, TEXTS, tokenizer=tok)  # the pruned model still scores


def test_angular_end_to_end():
    model, tok = build("llama"), tokenizer("left")
    s = scores(model, TEXTS, tokenizer=tok, token="last")
    k = 2
    start = int(np.argmin(s.angular_distance(k)))
    expected = list(range(start, start + k))
    assert select_layers("angular", 5, k, scores=s) == expected
    assert poorman.prune(model, "angular", k, s) == expected
    assert model.config.poorman["dropped"] == expected
    assert model.config.num_hidden_layers == 3
