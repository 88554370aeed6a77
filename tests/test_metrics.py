import math
import warnings

import numpy as np
import pytest
import torch
from scipy.stats import pearsonr, spearmanr
from sklearn.metrics import accuracy_score, f1_score, matthews_corrcoef
from transformers import EvalPrediction

from poorman.experiments.data.metrics import compute_metrics, to_predictions, trainer_metrics
from poorman.experiments.data.tasks import get_task

Y = [0, 1, 0, 0]
P = [0, 1, 1, 0]  # tp=1 tn=2 fp=1 fn=0


def test_hand_checked_classification():
    m = compute_metrics("mrpc", P, Y)
    assert m["accuracy"] == pytest.approx(0.75)
    assert m["f1"] == pytest.approx(2 / 3)  # precision 1/2, recall 1
    assert m["score"] == pytest.approx((0.75 + 2 / 3) / 2)
    # MCC = (tp*tn - fp*fn) / sqrt((tp+fp)(tp+fn)(tn+fp)(tn+fn)) = 2 / sqrt(12)
    assert compute_metrics("cola", P, Y) == pytest.approx(
        {"matthews_correlation": 2 / math.sqrt(12), "score": 2 / math.sqrt(12)})
    assert compute_metrics("rte", P, Y) == {"accuracy": 0.75, "score": 0.75}


def test_hand_checked_regression():
    m = compute_metrics("stsb", [1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 8.0])
    assert m == pytest.approx({"pearson": 1.0, "spearmanr": 1.0, "score": 1.0})
    m = compute_metrics("stsb", [[1.0], [2.0], [3.0]], [3.0, 2.0, 1.0])  # (n, 1) head output
    assert m == pytest.approx({"pearson": -1.0, "spearmanr": -1.0, "score": -1.0})


def test_logits_are_argmaxed():
    logits = np.array([[2.0, -1.0], [0.1, 0.3], [-5.0, 5.0], [1.0, 0.0]])
    assert to_predictions("sst2", logits).tolist() == P
    assert compute_metrics("sst2", logits, Y) == compute_metrics("sst2", P, Y)
    three = np.eye(3)[[2, 0, 1]]
    assert compute_metrics("mnli", three, [2, 0, 0])["accuracy"] == pytest.approx(2 / 3)


def test_against_sklearn_and_scipy():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 500)
    logits = rng.normal(size=(500, 2)) + np.eye(2)[y] * 0.8
    p = logits.argmax(-1)
    m = compute_metrics("qqp", logits, y)
    assert m["accuracy"] == pytest.approx(accuracy_score(y, p))
    assert m["f1"] == pytest.approx(f1_score(y, p))
    assert compute_metrics("cola", logits, y)["matthews_correlation"] == pytest.approx(matthews_corrcoef(y, p))
    s = rng.uniform(0, 5, 300)
    q = s + rng.normal(size=300)
    m = compute_metrics("stsb", q[:, None], s)
    assert m["pearson"] == pytest.approx(pearsonr(q, s)[0])
    assert m["spearmanr"] == pytest.approx(spearmanr(q, s)[0])
    assert m["score"] == pytest.approx((m["pearson"] + m["spearmanr"]) / 2)


def test_plain_floats():
    for name, preds, labels in [("mrpc", P, Y), ("cola", P, Y), ("stsb", [0.1, 0.5, 0.2], [1.0, 3.0, 2.0])]:
        assert all(type(v) is float for v in compute_metrics(name, preds, labels).values())


def test_constant_predictions_give_zero_not_nan():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = compute_metrics("stsb", [2.5, 2.5, 2.5], [1.0, 2.0, 3.0])
        assert m == {"pearson": 0.0, "spearmanr": 0.0, "score": 0.0}
        assert compute_metrics("cola", [1, 1, 1], [0, 1, 1])["matthews_correlation"] == 0.0
        assert compute_metrics("mrpc", [0, 0, 0], [0, 1, 1])["f1"] == 0.0


def test_torch_tensors():
    logits = torch.tensor([[2.0, -1.0], [0.1, 0.3], [-5.0, 5.0], [1.0, 0.0]], dtype=torch.bfloat16)
    assert compute_metrics("sst2", logits, torch.tensor(Y))["accuracy"] == 0.75


def test_trainer_metrics():
    fn = trainer_metrics(get_task("mrpc"))
    logits = np.eye(2)[P] * 3.0
    expect = compute_metrics("mrpc", P, Y)
    assert fn(EvalPrediction(predictions=logits, label_ids=np.array(Y))) == expect
    extras = (logits, np.zeros((4, 3, 8)))  # a model that also returns hidden states
    assert fn(EvalPrediction(predictions=extras, label_ids=np.array(Y))) == expect
    assert trainer_metrics("stsb")((np.array([[1.0], [2.0]]), np.array([1.0, 3.0])))["pearson"] == 1.0


def test_errors():
    with pytest.raises(ValueError, match="3 predictions but 2 labels"):
        compute_metrics("rte", [0, 1, 1], [0, 1])
    with pytest.raises(ValueError, match="regression"):
        compute_metrics("stsb", np.zeros((2, 3)), [1.0, 2.0])
    with pytest.raises(ValueError, match="unknown task"):
        compute_metrics("nope", [0], [0])


def test_constant_score_is_the_majority_class_or_mean_predictor():
    from poorman.experiments.data.metrics import constant_score
    y = np.array([1, 1, 1, 0])
    assert constant_score("sst2", y) == pytest.approx(0.75)
    assert constant_score("cola", y) == 0.0                              # MCC of a constant is 0
    assert constant_score("mrpc", y) == pytest.approx((0.75 + f1_score(y, np.ones(4))) / 2)
    assert constant_score("stsb", np.array([0.5, 2.0, 4.5])) == 0.0     # no correlation at all


def test_failed_runs_are_those_at_the_constant_predictor_level():
    import pandas as pd

    from poorman.book.plots import failed_runs
    df = pd.DataFrame({"model": "m", "role": "pruned", "task": ["sst2", "sst2", "rte"], "score": [0.505, 0.9, 0.60]})
    out = failed_runs(df, {"sst2": 0.509, "rte": 0.527})
    assert out.score.tolist() == [0.505]
