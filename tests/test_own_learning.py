"""A user's small dataset learns, or the tool says it did not: the step floor of the own-data
recipe, the constant predictor beside every score, and the one-seed caveat of compare."""

import pytest

from poorman.cli import main
from poorman.own import api as own_data
from poorman.experiments.data.metrics import beats_constant, constant_metrics, learning_note
from poorman.experiments.data.tasks import get_task


def test_the_step_floor_raises_epochs_for_small_data_only():
    train = {"epochs": 2, "batch_size": 8, "max_train": None}
    assert own_data.epochs_for_steps(train, 400, 300) == 6       # 50 steps an epoch: 6 passes
    assert own_data.epochs_for_steps(train, 401, 300) == 6       # 51 steps an epoch: 306 steps
    assert own_data.epochs_for_steps(train, 20_000, 300) == 2    # a large dataset keeps its recipe
    assert own_data.epochs_for_steps({**train, "max_train": 80}, 20_000, 300) == 30
    assert own_data.epochs_for_steps(train, 400, 0) == 2


def test_the_floor_applies_unless_epochs_are_given():
    data = own_data.sample_data()  # 400 training rows: 50 steps an epoch at batch 8
    task = own_data.own_task(data["train"], data["eval"], data["text"], data["label"], log=lambda *_: None)
    assert own_data.with_step_floor(own_data.recipe("cpu"), task, 300, None).train["epochs"] == 6
    given = own_data.recipe("cpu", epochs=1)
    assert own_data.with_step_floor(given, task, 300, 1).train["epochs"] == 1
    assert own_data.recipe("cpu").train["epochs"] == 2


def test_the_constant_predictor_of_classes_and_of_scores():
    mrpc, stsb = get_task("mrpc"), get_task("stsb")
    c = constant_metrics(mrpc, [0, 1, 1, 1])  # always 1: accuracy 3/4, F1 of class 1 = 2 * 0.75 / 1.75
    assert c["accuracy"] == 0.75 and c["score"] == pytest.approx((0.75 + 1.5 / 1.75) / 2)
    assert constant_metrics(stsb, [1.0, 2.0, 4.0])["score"] == 0.0


def test_a_model_a_hair_above_the_majority_did_not_learn():
    """The precision issue's case: accuracy 0.537 on 300 rows against a majority of 0.51."""
    constant = {"accuracy": 0.51, "score": 0.424}
    learnt, line = learning_note({"accuracy": 0.537, "macro_f1": 0.349, "score": 0.443}, constant, 300)
    assert not learnt and "DID NOT LEARN" in line and "0.5100" in line and "300 eval rows" in line
    learnt, line = learning_note({"accuracy": 0.80, "macro_f1": 0.8, "score": 0.80}, constant, 300)
    assert learnt and "learnt the task" in line


def test_regression_is_tested_on_its_correlation():
    constant = {"pearson": 0.0, "spearmanr": 0.0, "score": 0.0}
    assert beats_constant({"pearson": 0.05, "score": 0.05}, constant, 100) > 0.05
    assert beats_constant({"pearson": 0.5, "score": 0.5}, constant, 100) < 1e-4


@pytest.fixture
def data(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    sample = own_data.sample_data()
    return ["tiny-random/bert", "--train", sample["train"], "--eval", sample["eval"], "--text", "sentence",
            "--label", "sentiment", "--store", "store", "--max-train", "16", "--epochs", "1"]


def test_finetune_says_when_a_model_did_not_learn(data, capsys, tmp_path):
    main(["finetune", *data, "--lr", "1e-12", "--out", "ckpt"])  # a learning rate that cannot learn
    out = capsys.readouterr().out
    assert "THE MODEL DID NOT LEARN" in out and "for the constant predictor" in out
    card = (tmp_path / "ckpt/README.md").read_text()
    assert "against the constant predictor" in card and "THE MODEL DID NOT LEARN" in card


def test_compare_with_one_seed_says_its_differences_are_not_tested(data, capsys):
    main(["compare", *data, "--lr", "1e-12", "--strategies", "top", "--ks", "2", "--out", "report"])
    out = capsys.readouterr().out
    assert "differences between variants are not tested" in out and "--seeds 3" in out
    assert "constant predictor" in out and "DID NOT LEARN" in out and "full" in out.split("DID NOT LEARN")[1]
