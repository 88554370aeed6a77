"""The precision check's pairing: runs meet by their spec, and the interval is over paired seeds."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from poorman.book.precision_pairs import paired_table, pairs


def _runs(scores, task="sst2", strategy="top", k=4):
    return pd.DataFrame({"model": "m", "role": "pruned", "strategy": strategy, "k": k, "task": task,
                         "seed": range(42, 42 + len(scores)), "score": scores})


def test_pairs_meet_by_seed_and_the_interval_is_paired():
    a, b = _runs([0.80, 0.90, 0.70]), _runs([0.81, 0.912, 0.711])
    p = pairs(a, b.iloc[::-1])  # order does not matter: seeds pair
    assert list(p["diff"].round(6)) == [1.0, 1.2, 1.1]
    row = paired_table(p, "bf16", "fp32").iloc[0]
    assert row["mean bf16"] == pytest.approx(80.0) and row["mean fp32"] == pytest.approx(81.1)
    half = stats.t.ppf(0.975, 2) * np.std([1, 1.2, 1.1], ddof=1) / np.sqrt(3)
    assert row["difference"] == pytest.approx(1.1) and row["95% low"] == pytest.approx(1.1 - half)
    # unpaired, the seed spread (10 points) would swamp a 1-point shift; paired it is resolved
    assert row["95% low"] > 0


def test_runs_missing_from_one_side_are_left_out_and_rows_per_task_and_overall():
    a = pd.concat([_runs([0.8, 0.9]), _runs([0.5, 0.6], task="stsb")])
    b = pd.concat([_runs([0.8]), _runs([0.5, 0.6], task="stsb")])
    table = paired_table(pairs(a, b))
    assert dict(zip(table.runs, table.pairs)) == {"sst2 top K=4": 1, "stsb top K=4": 2, "sst2, all cells": 1,
                                                  "stsb, all cells": 2, "all runs": 3}
    assert np.isnan(table.set_index("runs").loc["sst2 top K=4", "95% low"])


def test_the_sentence_says_when_a_task_moves_beyond_seed_noise():
    from poorman.book.precision_pairs import finding
    a = pd.concat([_runs([0.80, 0.90, 0.70]), _runs([0.50, 0.60, 0.55], task="stsb")])
    shifted = pd.concat([_runs([0.81, 0.912, 0.711]), _runs([0.51, 0.58, 0.56], task="stsb")])
    said = finding(paired_table(pairs(a, shifted)), noise=5.0)
    assert said.startswith("Over 6 paired runs, fp32 minus bf16 is ") and "SD within a cell: 5.0 points" in said
    assert "On sst2 the interval excludes 0" in said and "stsb the" not in said
    level = finding(paired_table(pairs(a, pd.concat([_runs([0.81, 0.89, 0.70]), a[a.task == "stsb"]]))), 5.0)
    assert "this sample detects no effect of the precision, which is not the same as none; over all runs, an " \
           "effect larger than " in level and level.endswith(" points either way lies outside its interval.")
    assert finding(paired_table(pairs(a, a.iloc[:0])), 5.0).startswith("No run of this store")


def test_a_cell_apart_inside_a_level_task_is_named_against_chance():
    from poorman.book.precision_pairs import finding
    a = pd.concat([_runs([0.80, 0.90, 0.70]), _runs([0.60, 0.60, 0.60], strategy="bottom")])
    b = pd.concat([_runs([0.81, 0.912, 0.711]), _runs([0.55, 0.63, 0.52], strategy="bottom")])
    said = finding(paired_table(pairs(a, b), "bf16", "fp32"), 5.0)
    assert "No task's interval excludes 0" in said
    assert said.endswith("Cell by cell, 1 of 2 intervals excludes 0 (sst2 top K=4, +1.1 [+0.9, +1.3]), where "
                         "chance alone would give about 0.1 at 95%.")
