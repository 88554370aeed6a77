import dataclasses

import pytest

from poorman.experiments.data.tasks import TASKS, Task, get_task

# What nyu-mll/glue publishes, written out by hand (not derived from the registry).
HUB = {
    "cola": (("sentence",), ["unacceptable", "acceptable"]),
    "sst2": (("sentence",), ["negative", "positive"]),
    "mrpc": (("sentence1", "sentence2"), ["not_equivalent", "equivalent"]),
    "stsb": (("sentence1", "sentence2"), []),
    "qqp": (("question1", "question2"), ["not_duplicate", "duplicate"]),
    "mnli": (("premise", "hypothesis"), ["entailment", "neutral", "contradiction"]),
    "qnli": (("question", "sentence"), ["entailment", "not_entailment"]),
    "rte": (("sentence1", "sentence2"), ["entailment", "not_entailment"]),
    "wnli": (("sentence1", "sentence2"), ["not_entailment", "entailment"]),
}
GLUE_METRICS = {
    "cola": ("matthews_correlation",), "sst2": ("accuracy",), "mrpc": ("accuracy", "f1"),
    "stsb": ("pearson", "spearmanr"), "qqp": ("accuracy", "f1"), "mnli": ("accuracy",),
    "qnli": ("accuracy",), "rte": ("accuracy",), "wnli": ("accuracy",),
}


def test_all_nine_tasks():
    assert set(TASKS) == set(HUB)


@pytest.mark.parametrize("name", sorted(HUB))
def test_registry_matches_hub(name):
    t = get_task(name)
    fields, labels = HUB[name]
    assert t.text_fields == fields
    assert list(t.label_names) == labels
    assert t.num_labels == (len(labels) or 1)
    assert t.metrics == GLUE_METRICS[name]
    assert (t.hub_path, t.hub_config) == ("nyu-mll/glue", name)
    assert len(t.tsv.text_columns) == len(t.text_fields)
    if t.tsv.label_strings is not None:
        assert len(t.tsv.label_strings) == t.num_labels


def test_stsb_is_regression():
    t = get_task("stsb")
    assert t.is_regression and t.num_labels == 1 and t.problem_type == "regression"
    assert t.tsv.label_strings is None and t.tsv.label_column == "score"
    assert not get_task("rte").is_regression
    assert get_task("rte").problem_type == "single_label_classification"


def test_tsv_label_mapping_follows_hub_ids():
    assert get_task("rte").tsv.label_strings == ("entailment", "not_entailment")
    assert get_task("qnli").tsv.label_strings == ("entailment", "not_entailment")
    assert get_task("mnli").tsv.label_strings == ("entailment", "neutral", "contradiction")
    assert get_task("wnli").tsv.label_strings == ("0", "1")  # 1 = entailment on the Hub
    assert get_task("mrpc").tsv.label_column == "Quality"
    assert get_task("mrpc").tsv.text_columns == ("#1 String", "#2 String")
    cola = get_task("cola").tsv
    assert not cola.header and cola.text_columns == (3,) and cola.label_column == 1


def test_mnli_splits():
    t = get_task("mnli")
    assert t.eval_splits == ("validation_matched", "validation_mismatched")
    assert t.validation_split == "validation_matched"
    assert t.tsv.file("validation_matched") == "dev_matched.tsv"
    assert t.tsv.file("validation_mismatched") == "dev_mismatched.tsv"
    mm = get_task("MNLI-mm")
    assert mm.validation_split == "validation_mismatched" and mm.hub_config == "mnli"
    assert set(mm.splits) == set(t.splits)


@pytest.mark.parametrize("spelling,name", [
    ("SST-2", "sst2"), ("sst2", "sst2"), ("sst-2", "sst2"), ("SST2", "sst2"), ("STS-B", "stsb"),
    ("sts_b", "stsb"), ("CoLA", "cola"), ("MNLI", "mnli"), ("MNLI-m", "mnli"), ("mnli_matched", "mnli"),
    ("MNLI-mm", "mnli-mm"), ("glue/rte", "rte"), (" QQP ", "qqp"), ("QNLI", "qnli"), ("WNLI", "wnli"),
])
def test_spellings(spelling, name):
    assert get_task(spelling).name == name


def test_unknown_task_lists_known():
    with pytest.raises(ValueError) as e:
        get_task("squad")
    msg = str(e.value)
    assert "squad" in msg and all(n in msg for n in TASKS)


def test_task_is_frozen_and_hashable():
    t = get_task("rte")
    assert get_task(t) is t
    with pytest.raises(dataclasses.FrozenInstanceError):
        t.num_labels = 3
    assert len({get_task(n) for n in TASKS}) == 9


def test_label_dicts_and_validation():
    t = get_task("mnli")
    assert t.id2label == {0: "entailment", 1: "neutral", 2: "contradiction"}
    assert t.label2id["neutral"] == 1
    with pytest.raises(ValueError):
        Task(name="x", text_fields=("a",), num_labels=3, label_names=("p", "q"), metrics=("accuracy",))
