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
  chance, so it is the stricter view. Which measure decides which claim is in
  poorman.book.verdicts: the 40% claim is judged on retention, the paper's measure, and the
  robust-tasks claim needs both measures to agree.

**Over several tasks, every task weighs the same**: a pooled ratio is the mean of the tasks'
ratios, and a pooled difference the mean of the tasks' differences. A ratio of sums would weigh
each task by its headroom (a correlation's floor is 0, an accuracy's about 50), so a pool of
STS-B, SST-2 and MRPC would mostly measure STS-B.

* **A task's ratio** N / D (N the pruned mean, or the mean over the pooled cells of that task; D
  the baseline mean; the constant subtracted from both for the gain share) gets a **Fieller
  interval**: the set of ratios r for which N - r D is not significantly different from 0,
  (N - r D)^2 <= t^2 (var N + r^2 var D), var = s^2 / n per cell. Pruned and full models are
  different networks, so N and D are treated as independent.
* **A pool of tasks** is the mean of the tasks' ratios, with the delta-method variance of each,
  (var N + r^2 var D) / D^2, summed over m^2.
* **Degrees of freedom**: every interval that combines variances of several cells uses the
  Welch-Satterthwaite degrees of freedom, (sum v_i)^2 / sum(v_i^2 / (n_i - 1)), instead of the
  smallest n - 1 (which with three seeds means t(2) however many cells are pooled).
* **Paired differences** (paired_difference): seeds are paired across strategies (the same seed
  means the same data order and head initialisation), so two strategies are compared by the
  seed-by-seed differences of their scores, per task; the tasks' mean differences are averaged
  with equal weights, with Welch-Satterthwaite degrees of freedom. The pairing removes what the
  two runs of a seed share, which overlapping intervals cannot.
* **Kinds of task** (kind_difference, kept_by_kind): the share kept by one kind of task, and
  its difference from another's, pool many strategy x K cells that share their seeds, so they
  are computed seed by seed (each run's share of its own seed's baseline) and their intervals
  are t-intervals over the seeds.
* **A cell against its own full model** (seed_kept): the 40% claim asks how much one pruned
  model keeps of its full model, and a seed's pruned run and full model share that seed's data
  order and head initialisation. So each seed's pruned score is divided by the same seed's full
  score, the tasks averaged, and the interval is a t-interval over the seeds (n - 1 degrees of
  freedom). The Fieller and delta-method intervals above, which treat the two as independent,
  are the ones the tables show for every cell.
* **Holm**: holm() adjusts the p-values of a family of comparisons (in the verdicts: the
  leader's comparison with each other model at a K, twins counted once, when the models not
  shown apart from it are named). Holm controls the chance of any false "shown apart" in the
  family without assuming the comparisons are independent (they share strategies and seeds),
  and it rejects everything Bonferroni does and more. A leader *alone* needs each comparison
  at 5% unadjusted instead (an intersection-union test: see poorman.book.verdicts).

If a baseline is not significantly above the constant (D^2 <= t^2 var D), the interval is
unbounded: the data do not say how much was kept. A cell with one seed has no interval (NaN
bounds); the verdicts read a missing bound as unbounded.
"""

import numpy as np
import pandas as pd
from scipy import stats as sps

from ..core.strategies import STRATEGIES

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


def cell_scores(runs, by=("k", "strategy", "task")):
    """One row per cell (`by`): score, score_lo, score_hi (the mean over seeds and its 95%
    t-interval) and seeds."""
    rows = [{**dict(zip(by, key)), **dict(zip(("score", "score_lo", "score_hi", "seeds"), mean_interval(g.score)))}
            for key, g in runs.groupby(list(by), sort=True)]
    return pd.DataFrame(rows, columns=[*by, "score", "score_lo", "score_hi", "seeds"])


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


def registry_rank(strategy):
    """(position in the strategy registry, name): the order in which twins (one model under several
    names) are named, so the paper's name (top) comes before one that picked the same layers
    (param-variance); a name the registry lacks comes after, by name."""
    order = list(STRATEGIES)
    return (order.index(strategy) if strategy in STRATEGIES else len(order), strategy)


def by_score(frame, col, ascending=False):
    """`frame` sorted by `col`; equal values (twins) in registry_rank's order."""
    rank = frame.strategy.map(lambda s: registry_rank(s)[0])
    return frame.assign(_rank=rank).sort_values([col, "_rank"], ascending=[ascending, True]).drop(columns="_rank")


def cells(runs):
    """One row per cell: n seeds, mean score with its t-interval, var of the mean, the seeds."""
    rows = []
    for key, d in runs.groupby(CELL, sort=True):
        mean, lo, hi, n = mean_interval(d.score)
        var = float(np.var(d.score, ddof=1)) / n if n > 1 else np.nan
        rows.append({**dict(zip(CELL, key)), "n": n, "mean": mean, "lo": lo, "hi": hi, "var": var,
                     "seeds": tuple(sorted(int(s) for s in d.seed))})
    return pd.DataFrame(rows, columns=CELL + ["n", "mean", "lo", "hi", "var", "seeds"])


def welch_df(variances, dofs):
    """Welch-Satterthwaite degrees of freedom of a sum of independent variance estimates
    (variances[i] with dofs[i] degrees of freedom): (sum v)^2 / sum(v^2 / dof). NaN if any is
    unknown; inf if every variance is 0 (the sum is then known exactly)."""
    v, d = np.asarray(variances, dtype=float), np.asarray(dofs, dtype=float)
    if not len(v) or np.isnan(v).any() or (d < 1).any():
        return np.nan
    den = float(np.sum(v ** 2 / d))
    return float(np.sum(v)) ** 2 / den if den > 0 else np.inf


def task_ratios(pruned, baseline, floor=None):
    """One row per task of `pruned` (rows of cells()): num (mean over its pruned cells, less the
    constant), var_num, den (its baseline, less the constant), var_den, n_num, n_den (fewest
    seeds), and `cells`, how many pruned cells the task pools. None if a baseline is missing."""
    base = baseline.set_index(["model", "task"])
    if pruned.empty or any(k not in base.index for k in zip(pruned.model, pruned.task)):
        return None
    rows = []
    for (model, task), g in pruned.groupby(["model", "task"], sort=True):
        c, b = 0.0 if floor is None else floor[task], base.loc[(model, task)]
        rows.append({"task": task, "num": float(g["mean"].mean()) - c, "var_num": float(g["var"].sum()) / len(g) ** 2,
                     "den": float(b["mean"]) - c, "var_den": float(b["var"]), "n_num": int(g.n.min()),
                     "n_den": int(b.n), "cells": len(g)})
    return pd.DataFrame(rows)


def delta_parts(r):
    """The variance parts of a mean of task ratios (rows of task_ratios()): each task's
    (var N) / D^2 and r^2 (var D) / D^2, over m^2, with their degrees of freedom."""
    ratio, m = r.num / r.den, len(r)
    parts = pd.concat([r.var_num / r.den ** 2, ratio ** 2 * r.var_den / r.den ** 2], ignore_index=True) / m ** 2
    return parts, pd.concat([r.n_num - 1, r.n_den - 1], ignore_index=True)


def pooled_ratio(pruned, baseline, floor=None, level=LEVEL):
    """The mean over tasks of each task's ratio of pruned to baseline means (equal weights), with
    its interval (module docstring): Fieller for one task, the delta method for several, both
    with Welch-Satterthwaite degrees of freedom. floor: {task: constant score} for the gain
    share, None for raw retention. Returns (ratio, lo, hi)."""
    r = task_ratios(pruned, baseline, floor)
    if r is None or (r.den == 0).any():
        return np.nan, np.nan, np.nan
    if len(r) == 1:
        x = r.iloc[0]
        dof = welch_df([x.var_num, x.var_den], [x.n_num - 1, x.n_den - 1])
        return fieller(x.num, x.var_num, x.den, x.var_den, dof, level)
    return _delta_interval([r], [], level)


def _delta_interval(plus, minus, level=LEVEL):
    """(value, lo, hi) of the sum of the mean task ratios of `plus` less those of `minus` (lists of
    task_ratios() tables), with delta-method variances and Welch-Satterthwaite degrees of
    freedom; unbounded if some baseline may not beat the constant, NaN bounds without variances."""
    value = sum(float((r.num / r.den).mean()) for r in plus) - sum(float((r.num / r.den).mean()) for r in minus)
    split = [delta_parts(r) for r in plus + minus]
    parts, dofs = pd.concat([p for p, _ in split]), pd.concat([d for _, d in split])
    t = float(t_quantile(welch_df(parts, dofs), level))
    if not np.isfinite(t):
        return value, np.nan, np.nan
    if any((r.den ** 2 <= t ** 2 * r.var_den).any() for r in plus + minus):   # a baseline may not beat the constant
        return value, -np.inf, np.inf
    half = t * float(np.sqrt(parts.sum()))
    return value, value - half, value + half


def gain_difference(runs, floor, a, b, strategy, k, level=LEVEL):
    """(diff, lo, hi): model a's gain share for `strategy` at K less model b's, each the equal-weight
    mean over the tasks both models have that cell on, with delta-method variances and
    Welch-Satterthwaite degrees of freedom. Two models are two networks: their seeds do not pair,
    so the two sides are independent. NaN if either side lacks the cell or its baseline."""
    c = cells(runs[runs.model.isin([a, b])])
    pruned = c[(c.role == "pruned") & (c.strategy == strategy) & (c.k == k)]
    common = set(pruned[pruned.model == a].task) & set(pruned[pruned.model == b].task)
    sides = [task_ratios(pruned[(pruned.model == m) & pruned.task.isin(common)],
                         c[(c.role == "baseline") & (c.model == m)], floor) for m in (a, b)]
    if not common or any(r is None or (r.den == 0).any() for r in sides):
        return np.nan, np.nan, np.nan
    return _delta_interval([sides[0]], [sides[1]], level)


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


def strategy_gains(runs, floor, model, level=LEVEL):
    """Per K and strategy: retention and gain share of `model`, pooled over the tasks that every
    strategy at that K and the baseline have (column `tasks`), with intervals at `level`. Sorted
    by K, then gain."""
    d = runs[runs.model == model]
    frames = []
    for k in sorted(d[d.role == "pruned"].k.unique()):
        common = common_tasks(d, k)
        sub = d[d.task.isin(common) & ((d.role == "baseline") | ((d.role == "pruned") & (d.k == k)))]
        if common:
            frames.append(kept(sub, floor, by=("model", "strategy", "k"), level=level).assign(layers=int(d.original_layers.iloc[0])))
    if not frames:
        return pd.DataFrame(columns=["model", "strategy", "k", "tasks", "n", "retention", "retention_lo",
                                     "retention_hi", "gain", "gain_lo", "gain_hi", "layers"])
    return pd.concat(frames).sort_values(["k", "gain"], ascending=[True, False]).reset_index(drop=True)


def common_tasks(runs, k):
    """The tasks that every strategy at K and the baseline have (runs of one model)."""
    at = runs[(runs.role == "pruned") & (runs.k == k)]
    if at.empty:
        return set()
    return set.intersection(*map(set, at.groupby("strategy").task.unique())) & set(runs[runs.role == "baseline"].task)


def seed_kept(runs, floor, model, k, level=LEVEL):
    """Per strategy at K, paired by seed: with each seed, the mean over tasks (common_tasks) of
    the pruned score over that seed's full score (retention), and of the same above floor[task]
    (gain); a t-interval over the seeds (n - 1 degrees of freedom), for a seed's pruned run and
    full model share its data order and head initialisation. Columns as strategy_gains's, and
    `seeds`; NaN bounds with one seed; NaN gains where a seed's full model does not beat the
    constant (seed_shares)."""
    d = runs[runs.model == model]
    tasks = common_tasks(d, k)
    base = d[(d.role == "baseline") & d.task.isin(tasks)]
    rows = []
    for strategy, cell in d[(d.role == "pruned") & (d.k == k) & d.task.isin(tasks)].groupby("strategy"):
        both = pd.concat([base, cell])
        ret = mean_interval(seed_shares(both, None).mean(axis=1, skipna=False), level)
        gain = mean_interval(seed_shares(both, floor).mean(axis=1, skipna=False), level)
        rows.append({"model": model, "strategy": strategy, "k": k, "tasks": ", ".join(sorted(tasks)), "seeds": ret[3],
                     **dict(zip(("retention", "retention_lo", "retention_hi"), ret[:3])),
                     **dict(zip(("gain", "gain_lo", "gain_hi"), gain[:3]))})
    return pd.DataFrame(rows, columns=["model", "strategy", "k", "tasks", "seeds", "retention", "retention_lo",
                                       "retention_hi", "gain", "gain_lo", "gain_hi"])


def kept_by_kind(runs, floor, model, robust, level=LEVEL):
    """Retention and gain share of `model` for the tasks in `robust` (row "robust") and the others
    (row "other"), paired by seed as kind_difference: with each seed, the equal-weight mean over
    a kind's tasks of each run's share of its seed's full model, over the strategy x K cells every
    task has (column `cells`); a t-interval over the seeds. None unless the model has pruned runs
    and a baseline on both kinds."""
    d = runs[runs.model == model]
    present = sorted(set(d[d.role == "pruned"].task) & set(d[d.role == "baseline"].task))
    kinds = {"robust": [t for t in present if t in robust], "other": [t for t in present if t not in robust]}
    if not kinds["robust"] or not kinds["other"]:
        return None
    d = d[d.task.isin(present)]
    shares = {"retention": seed_shares(d, None), "gain": seed_shares(d, floor)}
    rows = {}
    for name, tasks in kinds.items():
        row = {"tasks": ", ".join(tasks)}
        for measure, table in shares.items():
            mean, lo, hi, row["n"] = mean_interval(table[tasks].mean(axis=1, skipna=False), level)
            row.update({measure: mean, f"{measure}_lo": lo, f"{measure}_hi": hi})
        rows[name] = row
    return pd.DataFrame(rows).T.assign(cells=len(shared_cells(d)))


def kind_difference(runs, floor, model, robust, level=LEVEL):
    """The share kept by the tasks in `robust` less that of the others, and each robust task's
    share less the others', paired by seed: {"pooled": (diff, lo, hi), task: (diff, lo, hi), ...}.

    With each seed, a task's share is the mean, over the strategy x K cells every task has, of
    (score - c) / (the baseline's score with that seed - c) (c = floor[task]; 0 with floor=None,
    raw retention); a kind's share is the equal-weight mean of its tasks'. The difference gets a
    t-interval over the seeds (n - 1 degrees of freedom): the cells of one seed share its data
    order and head initialisation, so they are not independent draws. None unless both kinds
    have pruned runs and a baseline."""
    d = runs[runs.model == model]
    present = sorted(set(d[d.role == "pruned"].task) & set(d[d.role == "baseline"].task))
    mine, others = [t for t in present if t in robust], [t for t in present if t not in robust]
    if not mine or not others:
        return None
    shares = seed_shares(d[d.task.isin(present)], floor)
    other = shares[others].mean(axis=1, skipna=False)
    out = {"pooled": mean_interval(shares[mine].mean(axis=1, skipna=False) - other, level)[:3]}
    out.update({t: mean_interval(shares[t] - other, level)[:3] for t in mine})
    return out


def seed_shares(runs, floor):
    """A seed x task table: each pruned run's share of its seed's baseline score (above floor[task];
    above 0 with floor=None), averaged over the strategy x K cells every task has. Only seeds that
    every such cell and baseline have; runs of one model. A task on which some seed's baseline
    does not beat floor[task] has no share (NaN): the share of no gain is undefined."""
    pairs = shared_cells(runs)
    pruned = runs[(runs.role == "pruned") & np.array([(s, k) in pairs for s, k in zip(runs.strategy, runs.k)])]
    base = runs[runs.role == "baseline"].groupby(["task", "seed"]).score.mean()
    c = pruned.task.map(lambda t: 0.0 if floor is None else floor[t])
    full = base.reindex(pd.MultiIndex.from_arrays([pruned.task, pruned.seed])).to_numpy()
    share = np.where(full > c, (pruned.score - c) / (full - c), np.inf)   # inf marks no gain to share
    per = pruned.assign(share=share).groupby(["task", "seed"]).share.agg(["mean", "count"])
    table = per["mean"].where(per["count"] == len(pairs)).unstack("task").dropna()
    table.loc[:, np.isinf(table).any()] = np.nan
    return table


def shared_cells(runs):
    """The (strategy, K) cells that every task's pruned runs have."""
    return set.intersection(*(set(zip(g.strategy, g.k)) for _, g in runs[runs.role == "pruned"].groupby("task")))


def param_share_removed(runs, model):
    """{K: share of the model's parameters (embeddings and head included) that K removes}."""
    d = runs[runs.model == model]
    base = d[d.role == "baseline"].groupby("task").params_total.mean()
    pruned = d[(d.role == "pruned") & d.task.isin(base.index)]
    share = 1 - pruned.params_total / pruned.task.map(base)
    return {int(k): float(v) for k, v in share.groupby(pruned.k).mean().items()}


def task_mean(runs, level=LEVEL):
    """(mean, lo, hi, n) of the mean score over tasks: the mean of the tasks' seed means, with the
    variances of those means summed (over m^2) and Welch-Satterthwaite degrees of freedom."""
    c = cells(runs)
    mean = float(c["mean"].mean())
    half = float(t_quantile(welch_df(c["var"], c.n - 1), level)) * np.sqrt(c["var"].sum()) / len(c)
    return mean, mean - half, mean + half, int(c.n.min())


def mean_difference(a, b, level=LEVEL):
    """Mean over tasks of a's seed means minus b's, with a t-interval: two different networks
    (unpaired), the variances of the cell means summed, Welch-Satterthwaite degrees of freedom."""
    ca, cb = cells(a), cells(b)
    diff = ca["mean"].mean() - cb["mean"].mean()
    parts = pd.concat([ca["var"] / len(ca) ** 2, cb["var"] / len(cb) ** 2])
    half = float(t_quantile(welch_df(parts, pd.concat([ca.n, cb.n]) - 1), level)) * np.sqrt(parts.sum())
    return diff, diff - half, diff + half


def paired_difference(a, b, level=LEVEL):
    """a minus b, paired by seed within each task (runs of two strategies of one model at one K).

    Returns {"diff", "lo", "hi", "df", "p", "n", "tasks"}: the equal-weight mean over tasks of
    each task's mean seed-by-seed difference, its t-interval with Welch-Satterthwaite degrees of
    freedom, the two-sided p-value of "no difference", the fewest pairs in a task, and `tasks`,
    one row per task (task, diff, lo, hi, df, p, n). Only seeds both have count. With one pair
    in a task there is no variance: no interval, p = NaN. Identical runs: diff 0, p = 1."""
    pairs = a.merge(b, on=["task", "seed"], suffixes=("_a", "_b"))
    d = pairs.assign(d=pairs.score_a - pairs.score_b).groupby("task", sort=True).d
    per = pd.DataFrame({"diff": d.mean(), "var": d.var(ddof=1) / d.count(), "n": d.count()})
    per = pd.concat([per, per.apply(lambda r: _t_test(r["diff"], r["var"], r.n - 1, level), axis=1)], axis=1)
    m = len(per)
    if not m:
        return {"diff": np.nan, "lo": np.nan, "hi": np.nan, "df": np.nan, "p": np.nan, "n": 0, "tasks": per}
    var = float(per["var"].sum()) / m ** 2
    out = _t_test(float(per["diff"].mean()), var, welch_df(per["var"], per.n - 1), level)
    return {"diff": float(per["diff"].mean()), **out.to_dict(), "n": int(per.n.min()),
            "tasks": per.drop(columns="var").reset_index()}


def _t_test(diff, var, dof, level=LEVEL):
    """lo, hi, df, p of a t-test of diff = 0 with variance `var` and `dof` degrees of freedom."""
    if np.isnan(var) or np.isnan(dof):
        return pd.Series({"lo": np.nan, "hi": np.nan, "df": dof, "p": np.nan})
    if var == 0:   # the same runs, or differences that do not vary: known exactly
        return pd.Series({"lo": diff, "hi": diff, "df": dof, "p": 1.0 if diff == 0 else 0.0})
    se, t = float(np.sqrt(var)), float(t_quantile(dof, level))
    p = float(2 * sps.t.sf(abs(diff) / se, dof))
    return pd.Series({"lo": diff - t * se, "hi": diff + t * se, "df": dof, "p": p})


def holm(pvalues):
    """Holm's step-down adjustment of a family of p-values (same order; NaN stays NaN and does not
    count in the family): the i-th smallest p is multiplied by (m - i + 1), then made monotone.
    A comparison is shown at the 5% level if its adjusted p is below 0.05."""
    p = pd.Series(pvalues, dtype=float)
    ok = p.dropna().sort_values()
    m = len(ok)
    adjusted = (ok * np.arange(m, 0, -1)).cummax().clip(upper=1.0)
    return p.where(p.isna(), adjusted.reindex(p.index)).to_numpy()


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
