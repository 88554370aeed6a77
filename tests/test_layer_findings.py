"""Chapter 2's readings of its layer profiles: the sentence follows the numbers, on constructed data."""

import pandas as pd

from poorman.book import layer_findings as lf


def cka_rows(values, tasks=("sst2", "stsb"), seeds=(42, 43)):
    n = len(values) - 1   # index 0 is the embeddings
    return pd.DataFrame([{"model": "m", "task": t, "seed": s, "depth": i / n, "cka": v}
                         for t in tasks for s in seeds for i, v in enumerate(values)])


def test_a_kept_bottom_and_a_rewritten_top_is_read_as_such():
    r = lf.fine_tuning_depth(cka_rows([1.0, 1.0, 0.99, 0.95, 0.9, 0.7, 0.5, 0.4, 0.3, 0.2, 0.15]), "m", "M")
    assert r.holds and "rewrites its top" in r.text
    assert r.numbers["bottom_lo"] == 0.99 and r.numbers["top_hi"] == 0.2
    assert "0.99 to 1.00" in r.text and "0.15 to 0.20" in r.text


def test_a_rewritten_bottom_gets_the_other_sentence():
    r = lf.fine_tuning_depth(cka_rows([1.0, 0.6, 0.5, 0.5, 0.5, 0.5, 0.5, 0.4, 0.3, 0.2, 0.15]), "m")
    assert not r.holds and "changes even" in r.text and "0.50 to 1.00" in r.text


def test_one_task_keeping_its_top_breaks_the_pattern():
    """The bars hold for every task's mean, not for the mean over tasks."""
    sim = pd.concat([cka_rows([1.0] * 6 + [0.2] * 5, tasks=("sst2",)), cka_rows([1.0] * 11, tasks=("mrpc",))])
    r = lf.fine_tuning_depth(sim, "m")
    assert not r.holds and "not every task rewrites" in r.text and "0.20 to 1.00" in r.text


def test_no_cka_says_so():
    assert not lf.fine_tuning_depth(cka_rows([1.0, 0.5]).iloc[:0], "m").holds


def store(contribution, symmetric, tasks=("sst2",)):
    return pd.DataFrame([{"model": "m", "task": t, "strategy": s, "k": len(d), "seed": 42, "dropped": tuple(d)}
                         for t in tasks for s, by_k in (("contribution", contribution), ("symmetric", symmetric))
                         for d in by_k])


def cosine(values):
    return pd.DataFrame([{"task": "sst2", "depth": (i + 1) / len(values), "cosine": v} for i, v in enumerate(values)])


MIDDLE_PEAK = [0.6, 0.8, 0.85, 0.9, 0.95, 0.97, 0.96, 0.9, 0.85, 0.8, 0.75, 0.5]


def test_a_middle_peak_makes_contribution_drop_what_symmetric_drops():
    runs = store([(5, 6), (4, 5, 6, 8)], [(5, 6), (4, 5, 6, 7)])
    r = lf.contribution_vs_symmetric(cosine(MIDDLE_PEAK), runs, "m")
    assert r.holds and r.numbers["peak"] == 6 and r.numbers["lowest"] == 12
    assert r.numbers["share"] == 5 / 6 and r.numbers["same"] == 1 and "83%" in r.text


def test_a_peak_at_the_top_is_not_read_as_the_middle():
    runs = store([(10, 11)], [(5, 6)])
    r = lf.contribution_vs_symmetric(cosine(sorted(MIDDLE_PEAK)), runs, "m")
    assert not r.holds and "not the same choice" in r.text and r.numbers["share"] == 0


def test_missing_runs_say_so():
    assert not lf.contribution_vs_symmetric(cosine(MIDDLE_PEAK), store([], [(5, 6)]), "m").holds


def test_a_top_just_above_the_bar_is_not_printed_as_the_bar():
    """0.5004 is not "at most 0.5": two decimals would print it as 0.50 beside that bar."""
    r = lf.fine_tuning_depth(cka_rows([1.0] * 6 + [0.3, 0.3, 0.4, 0.45, 0.5004]), "m")
    assert not r.holds and "if rewriting means a CKA of at most 0.5:" in r.text and "0.45 to 0.500" in r.text
