"""Means, ratios and their 95% intervals over seeds: the one definition every chapter uses.

A *cell* is one model x role x strategy x K x task; its runs differ only in the seed (head
initialisation and data order; every strategy uses the same seeds). Scores are GLUE dev scores
(accuracy and F1 in [0, 1], correlations in [-1, 1]); the book shows them in percent.

* **Mean score**: the mean over seeds with a Student-t interval, mean +- t(n-1) * s / sqrt(n).
* **Retention**: a ratio of means, pruned / baseline.
* **Gain share**: (pruned - constant) / (baseline - constant), where `constant` is the dev score
  of always predicting the most frequent label (the mean, for regression;
  poorman.experiments.data.floor.constant_scores). 1 = the pruned model kept all of the baseline's
  gain over a model that learnt nothing, 0 = it kept none. Unlike retention it has no floor at
  chance, so the verdicts use it.

Both ratios get a **Fieller interval**: the set of ratios r for which N - r D is not
significantly different from 0 in a t-test,

    (N - r D)^2 <= t^2 (var N + r^2 var D),    var = s^2 / n per cell,

with N the pruned mean(s) and D the baseline mean(s) (minus the constant, for gain share),
treated as independent, and t the 97.5% Student-t quantile with min(n) - 1 degrees of freedom
(conservative when seed counts differ). Seeds are paired across strategies and the baseline, but
with three seeds the pairing's covariance is too poorly estimated to use, and the pruned and full
models are different networks. If the baseline itself is not significantly above the constant
(D^2 <= t^2 var D), the interval is unbounded: the data do not say how much was kept.

Over several tasks (or several cells), N and D are means over the m cells, each with the
variance of that mean (the cells' variances summed, over m^2): the ratio of average scores, as
GLUE averages tasks. For the gain share, that weighs each task by its headroom (baseline -
constant). A baseline that serves several cells counts once per cell in D and in var D. A cell
with one seed has no interval (NaN bounds); the verdicts read a missing bound as unbounded.
"""

import numpy as np
import pandas as pd
from scipy import stats as sps

LEVEL = 0.95
FULL_SEEDS = 3   # cells with fewer seeds are flagged in tables and chapters
CELL = ["model", "role", "strategy", "k", "task"]


def t_quantile(df, level=LEVEL):
    """Two-sided Student-t quantile; NaN for fewer than 1 degree of freedom."""
    df = np.asarray(df, dtype=float)
    return np.where(df >= 1, sps.t.ppf(0.5 + level / 2, np.maximum(df, 1)), np.nan)


def mean_interval(values, level=LEVEL):
    """(mean, lo, hi, n) of a sample: a t-interval; lo = hi = NaN for one value."""
    x = np.asarray(values, dtype=float)
    n, mean = len(x), float(np.mean(x)) if len(x) else np.nan
    if n < 2:
        return mean, np.nan, np.nan, n
    half = float(t_quantile(n - 1, level)) * float(np.std(x, ddof=1)) / np.sqrt(n)
    return mean, mean - half, mean + half, n


def pareto_frontier(score, cost):
    """True where no other point has a score >= and a cost <=, one of them strictly (means only;
    verdicts.frontier is the looser one on intervals that the chapters use)."""
    score, cost = np.asarray(score, float), np.asarray(cost, float)
    better = (score[None, :] >= score[:, None]) & (cost[None, :] <= cost[:, None]) & \
             ((score[None, :] > score[:, None]) | (cost[None, :] < cost[:, None]))
    return ~better.any(axis=1)


def fieller(num, var_num, den, var_den, dof, level=LEVEL):
    """(ratio, lo, hi) for num / den, two independent estimates with known variances.

    lo = -inf, hi = inf when den is not significantly different from 0; lo = hi = NaN when
    the variances are unknown (dof < 1); ratio = NaN when den == 0."""
    ratio = num / den if den != 0 else np.nan
    t = float(t_quantile(dof, level))
    if not np.isfinite(t) or not (np.isfinite(var_num) and np.isfinite(var_den)):
        return ratio, np.nan, np.nan
    a = den ** 2 - t ** 2 * var_den
    if a <= 0:
        return ratio, -np.inf, np.inf
    b, c = num * den, num ** 2 - t ** 2 * var_num
    root = np.sqrt(max(b ** 2 - a * c, 0.0))
    return ratio, (b - root) / a, (b + root) / a


def cells(runs):
    """One row per cell: n seeds, mean score with its t-interval, var of the mean, the seeds."""
    rows = []
    for key, d in runs.groupby(CELL, sort=True):
        mean, lo, hi, n = mean_interval(d.score)
        var = float(np.var(d.score, ddof=1)) / n if n > 1 else np.nan
        rows.append({**dict(zip(CELL, key)), "n": n, "mean": mean, "lo": lo, "hi": hi, "var": var,
                     "seeds": tuple(sorted(int(s) for s in d.seed))})
    return pd.DataFrame(rows, columns=CELL + ["n", "mean", "lo", "hi", "var", "seeds"])


def pooled_ratio(pruned, baseline, floor=None, level=LEVEL):
    """Ratio of means of a group of pruned cells to their baselines, with its Fieller interval.

    `pruned` and `baseline` are rows of `cells()`; each pruned cell is matched to the baseline
    cell of its model and task. floor: {task: constant score} for the gain share, None for
    raw retention. Returns (ratio, lo, hi)."""
    base = baseline.set_index(["model", "task"])
    keys = list(zip(pruned.model, pruned.task))
    if not keys or any(k not in base.index for k in keys):
        return np.nan, np.nan, np.nan
    c = np.array([0.0 if floor is None else floor[t] for t in pruned.task])
    b = base.loc[keys]
    m = len(keys)
    num = float(np.mean(pruned["mean"].to_numpy() - c))
    den = float(np.mean(b["mean"].to_numpy() - c))
    weights = pd.Series(1, index=pd.MultiIndex.from_tuples(keys)).groupby(level=[0, 1]).sum()
    var_num = float(pruned["var"].sum()) / m ** 2
    var_den = float((weights ** 2 * base.loc[weights.index, "var"]).sum()) / m ** 2
    dof = min(pruned.n.min(), b.n.min()) - 1
    return fieller(num, var_num, den, var_den, dof, level)


def kept(runs, floor, by=("model", "strategy", "k", "task"), level=LEVEL):
    """Retention and gain share per group of pruned cells (`by`), each with its interval.

    by=("model", "strategy", "k", "task"): one row per cell; drop "task" to pool over tasks
    (the ratio of average scores). Columns: the `by` keys, tasks, n (fewest seeds in the group),
    retention, retention_lo/hi, gain, gain_lo/hi (all as fractions: 1 = everything kept)."""
    c = cells(runs)
    pruned, baseline = c[c.role == "pruned"], c[c.role == "baseline"]
    rows = []
    for key, group in pruned.groupby(list(by), sort=True):
        key = key if isinstance(key, tuple) else (key,)
        ret = pooled_ratio(group, baseline, None, level)
        gain = pooled_ratio(group, baseline, floor, level)
        rows.append({**dict(zip(by, key)), "tasks": ", ".join(sorted(group.task.unique())),
                     "n": int(group.n.min()), "retention": ret[0], "retention_lo": ret[1],
                     "retention_hi": ret[2], "gain": gain[0], "gain_lo": gain[1], "gain_hi": gain[2]})
    return pd.DataFrame(rows)


def strategy_gains(runs, floor, model):
    """Per K and strategy: retention and gain share of `model`, pooled over the tasks that every
    strategy at that K and the baseline have (column `tasks`). Sorted by K, then gain."""
    d = runs[runs.model == model]
    base_tasks = set(d[d.role == "baseline"].task)
    frames = []
    for k, dk in d[d.role == "pruned"].groupby("k"):
        common = set.intersection(*map(set, dk.groupby("strategy").task.unique())) & base_tasks
        sub = d[d.task.isin(common) & ((d.role == "baseline") | ((d.role == "pruned") & (d.k == k)))]
        if common:
            frames.append(kept(sub, floor, by=("model", "strategy", "k")).assign(layers=int(d.original_layers.iloc[0])))
    if not frames:
        return pd.DataFrame(columns=["model", "strategy", "k", "tasks", "n", "retention", "retention_lo",
                                     "retention_hi", "gain", "gain_lo", "gain_hi", "layers"])
    return pd.concat(frames).sort_values(["k", "gain"], ascending=[True, False]).reset_index(drop=True)


def kept_by_kind(runs, floor, model, robust):
    """Retention and gain share of `model`, pooled over the strategy x K cells that every task has,
    for the tasks in `robust` (row "robust") and the others (row "other"); column `cells` counts
    the strategy x K cells. None unless the model has pruned runs and a baseline on both kinds."""
    d = runs[runs.model == model]
    present = sorted(set(d[d.role == "pruned"].task) & set(d[d.role == "baseline"].task))
    if not set(present) & set(robust) or not set(present) - set(robust):
        return None
    pairs = set.intersection(*(set(zip(g.strategy, g.k)) for _, g in d[d.role == "pruned"].groupby("task")))
    d = d[(d.role == "baseline") | np.array([(s, k) in pairs for s, k in zip(d.strategy, d.k)])]
    kinds = {"robust": [t for t in present if t in robust], "other": [t for t in present if t not in robust]}
    rows = {name: kept(d[d.task.isin(tasks)], floor, by=("model",)).iloc[0] for name, tasks in kinds.items()}
    return pd.DataFrame(rows).T.assign(cells=len(pairs))


def param_share_removed(runs, model):
    """{K: share of the model's parameters (embeddings and head included) that K removes}."""
    d = runs[runs.model == model]
    base = d[d.role == "baseline"].groupby("task").params_total.mean()
    pruned = d[(d.role == "pruned") & d.task.isin(base.index)]
    share = 1 - pruned.params_total / pruned.task.map(base)
    return {int(k): float(v) for k, v in share.groupby(pruned.k).mean().items()}


def task_mean(runs, level=LEVEL):
    """(mean, lo, hi, n) of the mean score over tasks: the mean of the tasks' seed means, with the
    variances of those means summed and min(n) - 1 degrees of freedom (as in pooled_ratio)."""
    c = cells(runs)
    mean = float(c["mean"].mean())
    half = float(t_quantile(c.n.min() - 1, level)) * np.sqrt(c["var"].sum()) / len(c)
    return mean, mean - half, mean + half, int(c.n.min())


def mean_difference(a, b, level=LEVEL):
    """Mean over tasks of a's seed means minus b's, with a t-interval (min(n) - 1 d.o.f.).

    a and b are runs on the same tasks; variances of the cell means are summed, as in pooled_ratio."""
    ca, cb = cells(a), cells(b)
    diff = ca["mean"].mean() - cb["mean"].mean()
    var = ca["var"].sum() / len(ca) ** 2 + cb["var"].sum() / len(cb) ** 2
    half = float(t_quantile(min(ca.n.min(), cb.n.min()) - 1, level)) * np.sqrt(var)
    return diff, diff - half, diff + half


FAILED_SHARE = 0.10   # a run that kept under a tenth of its full model's gain never took off
FAILED_MIN = 0.01     # ... and at least 1 point above the constant, where the full model gains little


def took_off_above(runs, floor, share=FAILED_SHARE):
    """{(model, task): the score a run must exceed to count as having taken off}: the constant
    predictor plus `share` of the unpruned model's mean gain over it (baseline or reference runs),
    and at least FAILED_MIN above it. A fixed margin would not do, since the metrics differ in
    scale: a correlation of a few hundredths on STS-B is a failed fine-tuning."""
    full = runs[runs.role != "pruned"].groupby(["model", "task"]).score.mean()
    keys = set(zip(runs.model, runs.task))
    return {(m, t): floor[t] + max(share * (full.get((m, t), floor[t]) - floor[t]), FAILED_MIN)
            for m, t in keys}


def never_took_off(runs, floor, share=FAILED_SHARE):
    """Runs at or below took_off_above() for their model and task (column `took_off_above`):
    training never took off. They stay in every mean and interval; this only lists them."""
    above = took_off_above(runs, floor, share)
    bar = np.array([above[k] for k in zip(runs.model, runs.task)])
    return runs.assign(took_off_above=bar)[runs.score.to_numpy() <= bar]


def cells_at_or_below(runs, floor, share=FAILED_SHARE):
    """Cells (model, role, strategy, k, task) whose best seed is at or below took_off_above(share):
    with FAILED_SHARE, every seed never took off; with a larger share, the cell barely learnt."""
    above = took_off_above(runs, floor, share)
    best = runs.groupby(CELL).score.max()
    return [c for c, s in best.items() if s <= above[(c[0], c[4])]]


def overlaps(lo_a, hi_a, lo_b, hi_b):
    """Do two intervals overlap? A missing (NaN) bound counts as unbounded."""
    lo_a, lo_b = (-np.inf if np.isnan(x) else x for x in (lo_a, lo_b))
    hi_a, hi_b = (np.inf if np.isnan(x) else x for x in (hi_a, hi_b))
    return lo_a <= hi_b and lo_b <= hi_a
