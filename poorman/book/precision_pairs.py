"""Does precision move the science? The same runs trained in two precisions, paired seed for seed.

A run's spec (model, cell, task, seed, recipe) fixes its data order and head initialisation; only
the precision differs between the two stores, so each pair's difference is the precision's effect
plus the nondeterminism of reduced-precision arithmetic. The appendix shows the table.
"""

import pandas as pd

from .stats import mean_interval

PAIR_ON = ["model", "role", "strategy", "k", "task", "seed"]


def pairs(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """One row per run present in both frames (poorman.results rows): score_a, score_b, diff (b - a),
    in score points (x100)."""
    merged = a[PAIR_ON + ["score"]].merge(b[PAIR_ON + ["score"]], on=PAIR_ON, suffixes=("_a", "_b"))
    merged["diff"] = 100 * (merged.score_b - merged.score_a)
    return merged


def paired_table(paired: pd.DataFrame) -> pd.DataFrame:
    """Per cell (task, strategy, K), per task and over all: pairs, mean of b and of a, and the mean
    paired difference with its 95% t-interval over seeds, in score points."""
    groups = [(f"{t} {s} K={k}", g) for (t, s, k), g in paired.groupby(["task", "strategy", "k"])]
    groups += [(f"{t}, all cells", g) for t, g in paired.groupby("task")] + [("all runs", paired)]
    rows = []
    for name, g in groups:
        mean, low, high, _ = mean_interval(g["diff"].to_numpy())
        rows.append({"runs": name, "pairs": len(g), "mean a": 100 * g.score_a.mean(), "mean b": 100 * g.score_b.mean(),
                     "difference": mean, "95% low": low, "95% high": high})
    return pd.DataFrame(rows)
