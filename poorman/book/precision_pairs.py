"""Does precision move the science? The same runs trained in two precisions, paired seed for seed.

A run's spec (model, cell, task, seed, recipe) fixes its data order and head initialisation; only
the precision differs between the two stores, so each pair's difference is the precision's effect
plus the nondeterminism of reduced-precision arithmetic. The appendix shows the table.
"""

from pathlib import Path

import pandas as pd

from ..experiments.store.records import results_dir
from .stats import mean_interval

PAIR_ON = ["model", "role", "strategy", "k", "task", "seed"]


def pairs(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """One row per run present in both frames (poorman.results rows): score_a, score_b, diff (b - a),
    in score points (x100). Empty if either frame is."""
    if a.empty or b.empty:
        return pd.DataFrame(columns=PAIR_ON + ["score_a", "score_b", "diff"])
    merged = a[PAIR_ON + ["score"]].merge(b[PAIR_ON + ["score"]], on=PAIR_ON, suffixes=("_a", "_b"))
    merged["diff"] = 100 * (merged.score_b - merged.score_a)
    return merged


def paired_table(paired: pd.DataFrame, a: str = "a", b: str = "b") -> pd.DataFrame:
    """Per cell (task, strategy, K), per task and over all: pairs, mean of a and of b (columns named
    "mean <a>", "mean <b>"), and the mean paired difference b - a with its 95% t-interval over
    seeds, in score points. Empty without pairs."""
    if paired.empty:
        return pd.DataFrame(columns=["runs", "pairs", f"mean {a}", f"mean {b}", "difference", "95% low", "95% high"])
    groups = [(f"{t} {s} K={k}", g) for (t, s, k), g in paired.groupby(["task", "strategy", "k"])]
    groups += [(f"{t}, all cells", g) for t, g in paired.groupby("task")] + [("all runs", paired)]
    rows = []
    for name, g in groups:
        mean, low, high, _ = mean_interval(g["diff"].to_numpy())
        rows.append({"runs": name, "pairs": len(g),
                     f"mean {a}": 100 * g.score_a.mean(), f"mean {b}": 100 * g.score_b.mean(),
                     "difference": mean, "95% low": low, "95% high": high})
    return pd.DataFrame(rows)


def sample_store(profile: str) -> Path:
    """Where the sample of a profile's runs trained again in another precision lives:
    <results root>/precision/<profile>/ (results/precision/cpu-fp32.yaml names the cells)."""
    return results_dir(profile).parent / "precision" / profile


def seed_sd(runs: pd.DataFrame) -> float:
    """The mean over cells of the seeds' standard deviation, in score points: the noise a precision
    effect is set against."""
    sd = runs.groupby(PAIR_ON[:-1]).score.std().dropna()
    return float(100 * sd.mean()) if len(sd) else float("nan")


def finding(table: pd.DataFrame, noise: float, a: str = "bf16", b: str = "fp32") -> str:
    """The sentence under the paired table: whether any task's paired difference (b - a) excludes
    0, which is what "beyond seed noise" means here."""
    if table.empty or table.pairs.max() == 0:
        return f"No run of this store has been trained again in {b} yet, so there is nothing to pair."
    overall = table[table.runs == "all runs"].iloc[0]
    moved = [name.split(",")[0] for name in _excluding_zero(table[table.runs.str.endswith(", all cells")]).runs]
    said = (f"Over {overall.pairs} paired runs, {b} minus {a} is {overall.difference:+.1f} "
            f"[{overall['95% low']:+.1f}, {overall['95% high']:+.1f}] points (a seed's SD within a cell: "
            f"{noise:.1f} points). ")
    if moved:
        return said + (f"On {', '.join(moved)} the interval excludes 0: there the precision moves the scores "
                       f"beyond seed noise, so compare runs of one precision only with runs of the same.")
    bound = max(abs(overall["95% low"]), abs(overall["95% high"]))
    return said + ("No task's interval excludes 0: this sample detects no effect of the precision, which is "
                   f"not the same as none; over all runs, an effect larger than {bound:.1f} points either way "
                   "lies outside its interval." + _cells_apart(table))


def _cells_apart(table):
    """The cells whose own interval excludes 0, set against the number expected by chance (5% of the
    cells with an interval), so that one such cell among many is read for what it is."""
    cells = table[~table.runs.str.contains(", all cells") & (table.runs != "all runs")].dropna(subset=["95% low"])
    apart = _excluding_zero(cells)
    if apart.empty:
        return ""
    named = "; ".join(f"{r.runs}, {r.difference:+.1f} [{r['95% low']:+.1f}, {r['95% high']:+.1f}]"
                      for _, r in apart.iterrows())
    verb = "excludes" if len(apart) == 1 else "exclude"
    return (f" Cell by cell, {len(apart)} of {len(cells)} intervals {verb} 0 ({named}), where chance alone "
            f"would give about {0.05 * len(cells):.1f} at 95%.")


def _excluding_zero(rows):
    """The rows of a paired table whose 95% interval lies wholly above or wholly below 0."""
    return rows[(rows["95% low"] > 0) | (rows["95% high"] < 0)]
