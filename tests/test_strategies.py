"""The paper's strategies, checked against its own 1-based example (L=12, K=4)."""

import numpy as np
import pytest

from poorman.core.strategies import STRATEGIES, LayerScores, select_layers


def one_based(xs):
    return [x + 1 for x in xs]


@pytest.mark.parametrize("strategy, expected", [
    ("top", [9, 10, 11, 12]),
    ("bottom", [1, 2, 3, 4]),
    ("alternate-even", [6, 8, 10, 12]),
    ("alternate-odd", [5, 7, 9, 11]),
    ("symmetric", [5, 6, 7, 8]),
])
def test_paper_example(strategy, expected):
    assert one_based(select_layers(strategy, 12, 4)) == expected


@pytest.mark.parametrize("k, expected", [(2, [6, 7]), (6, [4, 5, 6, 7, 8, 9])])
def test_symmetric_keeps_equal_bottom_and_top(k, expected):
    assert one_based(select_layers("symmetric", 12, k)) == expected


def test_symmetric_odd_remainder_keeps_extra_at_bottom():
    # L-K = 9: bottom keeps 5, top keeps 4
    assert one_based(select_layers("symmetric", 12, 3)) == [6, 7, 8]


@pytest.mark.parametrize("strategy", [s for s in STRATEGIES if s not in ("contribution", "angular")])
def test_k_zero_drops_nothing(strategy):
    assert select_layers(strategy, 12, 0) == []


def test_contribution_drops_highest_cosine():
    cos = np.array([0.1, 0.9, 0.5, 0.95, 0.2, 0.9])
    assert select_layers("contribution", 6, 1, scores=cos) == [3]
    # layers 1 and 5 tie: the higher layer goes first
    assert select_layers("contribution", 6, 2, scores=cos) == [3, 5]
    assert select_layers("contribution", 6, 3, scores=cos) == [1, 3, 5]


def _scores_from_boundary(boundary):
    L = boundary.shape[0] - 1
    return LayerScores(np.array([boundary[i, i + 1] for i in range(L)]), boundary, "mean", 1)


def test_angular_picks_contiguous_block_with_smallest_distance():
    L = 6
    b = np.full((L + 1, L + 1), 0.2)
    np.fill_diagonal(b, 1.0)
    b[2, 5] = b[5, 2] = 0.99  # block of layers 2, 3, 4 barely changes the representation
    scores = _scores_from_boundary(b)
    assert select_layers("angular", L, 3, scores=scores) == [2, 3, 4]
    dist = scores.angular_distance(3)
    assert dist.argmin() == 2 and np.isclose(dist[2], np.arccos(0.99) / np.pi)


def test_block_influence_is_one_minus_cos():
    s = _scores_from_boundary(np.eye(4) * 0.5 + 0.5)
    assert np.allclose(s.block_influence, 1 - s.cosine)


@pytest.mark.parametrize("args, match", [
    (("nope", 12, 2), "unknown strategy 'nope'; known strategies: top, bottom"),
    (("top", 12, -1), r"k must be in 0..11"),
    (("top", 12, 12), r"at least one layer must remain"),
    (("alternate-odd", 12, 7), "alternate-odd can drop at most 6 of 12"),
    (("alternate-even", 5, 3), "alternate-even can drop at most 2 of 5"),
    (("contribution", 12, 2), "needs scores"),
    (("param-aggregation", 12, 2), r"needs the weights' scores \(no data\): compute them with poorman.weight_scores"),
])
def test_impossible_requests_fail_clearly(args, match):
    with pytest.raises(ValueError, match=match):
        select_layers(*args)


def test_wrong_types_and_shapes():
    with pytest.raises(TypeError, match="k must be an int"):
        select_layers("top", 12, 2.0)
    with pytest.raises(ValueError, match="scores cover"):
        select_layers("contribution", 12, 2, scores=np.zeros(6))
    with pytest.raises(ValueError, match="angular' needs the boundary"):
        select_layers("angular", 4, 2, scores=np.zeros(4))
    with pytest.raises(ValueError, match="scores cover"):
        select_layers("param-variance", 12, 2, scores=np.zeros(6))
    with pytest.raises(ValueError, match="needs the weights' scores"):  # activations are not weights
        select_layers("param-variance", 4, 2, scores=_scores_from_boundary(np.eye(5)))
