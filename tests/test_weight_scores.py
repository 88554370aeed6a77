"""Parameter-based dropping: weight scores equal a by-hand computation, the lowest layers go,
every family is scored (ALBERT's shared weights included), and the same model scores the same."""

import numpy as np
import pytest
import torch

import poorman
from poorman import WeightScores, select_layers, weight_scores
from poorman.core.surgery import get_adapter
from surgery_checks import TINY, build

BERT_MATRICES = ["attention.self.query.weight", "attention.self.key.weight", "attention.self.value.weight",
                 "attention.output.dense.weight", "intermediate.dense.weight", "output.dense.weight"]
XLNET_MATRICES = ["rel_attn.q", "rel_attn.k", "rel_attn.v", "rel_attn.o", "rel_attn.r",
                  "ff.layer_1.weight", "ff.layer_2.weight"]


def by_hand(layer, names):
    """Mean |w| and population variance of the named parameters, flattened into one sample."""
    params = dict(layer.named_parameters())
    w = np.concatenate([params[n].detach().numpy().astype(np.float64).ravel() for n in names])
    return np.abs(w).mean(), w.var()


def scale_layer(model, i, factor):
    with torch.no_grad():
        for p in get_adapter(model).layer_list(model)[i].parameters():
            p.mul_(factor)


@pytest.mark.parametrize("family, names", [("bert", BERT_MATRICES), ("xlnet", XLNET_MATRICES)])
def test_scores_equal_a_by_hand_computation(family, names):
    """Only the weight matrices count: no bias, no LayerNorm, none of XLNet's bias vectors or seg_embed."""
    model = build(family)
    s = weight_scores(model)
    layers = get_adapter(model).layer_list(model)
    expected = np.array([by_hand(layer, names) for layer in layers])
    np.testing.assert_allclose(s.aggregation, expected[:, 0], rtol=1e-12)
    np.testing.assert_allclose(s.variance, expected[:, 1], rtol=1e-9)
    assert s.matrices == names


@pytest.mark.parametrize("family", sorted(TINY))
def test_every_family_is_scored_from_its_matrices(family):
    model = build(family, head="seq")  # the head is not a layer: it is never scored
    adapter = get_adapter(model)
    s = weight_scores(model)
    L = adapter.num_layers(model)
    assert s.aggregation.shape == s.variance.shape == (L,)
    assert np.all(s.aggregation > 0) and np.all(s.variance > 0)
    layer = adapter.applied_layers(model)[L - 1]
    names = [n for n, p in layer.named_parameters() if p.dim() >= 2 and n.rsplit(".", 1)[-1]
             not in ("r_w_bias", "r_r_bias", "r_s_bias", "seg_embed")]
    assert s.matrices == names and names
    assert np.allclose((s.aggregation[-1], s.variance[-1]), by_hand(layer, names))


@pytest.mark.parametrize("strategy", ["param-aggregation", "param-variance"])
def test_the_lowest_scoring_layers_are_dropped(strategy):
    model = build("bert", num_hidden_layers=6)
    scale_layer(model, 4, 0.2)   # the smallest weights: first to go
    scale_layer(model, 1, 0.5)   # the next smallest
    scale_layer(model, 2, 3.0)   # the largest: kept
    s = weight_scores(model)
    assert select_layers(strategy, 6, 1, scores=s) == [4]
    assert select_layers(strategy, 6, 2, scores=s) == [1, 4]
    assert 2 not in select_layers(strategy, 6, 5, scores=s)
    assert poorman.prune(model, strategy, 2) == [1, 4]   # prune scores the weights itself
    assert model.config.poorman["dropped"] == [1, 4] and model.config.poorman["strategy"] == strategy


def test_each_form_ranks_by_its_own_statistic_and_ties_go_to_the_higher_layer():
    s = WeightScores(aggregation=np.array([0.3, 0.1, 0.2, 0.1]), variance=np.array([0.1, 0.4, 0.3, 0.2]))
    assert select_layers("param-aggregation", 4, 1, scores=s) == [3]       # 1 and 3 tie: the higher goes
    assert select_layers("param-aggregation", 4, 2, scores=s) == [1, 3]
    assert select_layers("param-variance", 4, 2, scores=s) == [0, 3]
    assert select_layers("param-variance", 4, 2, scores=s.variance) == [0, 3]  # a plain array works too


def test_albert_shares_one_set_of_weights_so_both_forms_drop_the_top():
    model = build("albert")  # 6 repetitions of one group
    s = weight_scores(model)
    assert len(set(s.aggregation)) == 1 and len(set(s.variance)) == 1
    for strategy in ("param-aggregation", "param-variance"):
        assert select_layers(strategy, 6, 2, scores=s) == select_layers("top", 6, 2) == [4, 5]


def test_albert_groups_score_each_repetition_as_its_group():
    model = build("albert", num_hidden_groups=2)   # repetitions 0-2 run group 0, 3-5 group 1
    scale_layer(model, 1, 0.5)
    s = weight_scores(model)
    assert s.aggregation[0] == s.aggregation[2] and s.aggregation[3] == s.aggregation[5]
    assert s.aggregation[3] < s.aggregation[0]
    assert select_layers("param-aggregation", 6, 3, scores=s) == [3, 4, 5]


def test_deterministic_and_round_trips():
    a, b = weight_scores(build("llama")), weight_scores(build("llama"))
    np.testing.assert_array_equal(a.aggregation, b.aggregation)
    np.testing.assert_array_equal(a.variance, b.variance)
    again = WeightScores.from_dict(a.to_dict())
    np.testing.assert_array_equal(again.variance, a.variance)
    assert again.matrices == a.matrices and again.meta["model_type"] == "llama"


def test_the_sweep_chooses_from_the_cached_weights(tmp_path):
    """fix_layers scores the pre-trained weights once per model and keeps them in the store."""
    from poorman.experiments.run.planning import fix_layers, model_weight_scores, run_spec
    from poorman.experiments.profiles import load_profile
    prof = load_profile("smoke")
    spec = fix_layers(run_spec(prof, "tiny-random/bert", "pruned", "param-variance", 2, "rte", 42), prof, tmp_path)
    cached = model_weight_scores("tiny-random/bert", prof, tmp_path)
    assert list(spec.dropped) == select_layers("param-variance", len(cached.variance), 2, scores=cached)
    assert spec.scores is None and spec.calibration is None   # no data: nothing to calibrate on
    assert list(tmp_path.rglob("*.json"))                    # the cache file


def test_the_diagram_draws_them_when_the_weights_are_given():
    import matplotlib
    matplotlib.use("Agg")
    from poorman.book import plots
    s = WeightScores(aggregation=np.arange(12.0), variance=np.arange(12.0)[::-1].copy())
    labels = lambda fig: [t.get_text() for t in fig.axes[0].get_yticklabels()]  # noqa: E731
    without = labels(plots.strategy_diagram(12, (2,), ["top", "param-aggregation", "param-variance"]))
    assert without == ["top, K=2"]
    fig = plots.strategy_diagram(12, (2,), ["top", "param-aggregation", "param-variance"], weights=s)
    assert labels(fig) == ["top, K=2", "param-aggregation, K=2", "param-variance, K=2"]
    rows = fig.axes[0].collections[0].get_array().reshape(3, 12)
    assert rows[1].nonzero()[0].tolist() == [0, 1] and rows[2].nonzero()[0].tolist() == [10, 11]
