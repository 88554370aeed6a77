"""Tables over the run store, in percent, each number with its 95% interval (poorman.book.stats).

Every function returns a plain DataFrame whose columns say what they hold; `show()` renders one
without pandas' index column.
"""

import numpy as np
import pandas as pd

from ..palette import ordered
from ..stats import cells, kept, mean_interval, never_took_off, task_mean
from ..text import interval  # also plots.interval, which the chapters format with


def show(df, caption=None):
    """A table without the index column."""
    styler = df.style.hide(axis="index").format(precision=1, na_rep="")
    return styler.set_caption(caption) if caption else styler


def score_table(runs, floor, model):
    """Dev score per strategy and K (rows) and task (columns), mean over seeds [95% interval].

    The first row is the full model; '!' marks a cell with a seed that never took off (stats.never_took_off)."""
    d = runs[(runs.model == model) & runs.role.isin(["baseline", "pruned"])]
    c = cells(d)
    failed = never_took_off(d, floor).groupby(["role", "strategy", "k", "task"]).size()
    c["text"] = [interval(r["mean"], r.lo, r.hi, r.n) + (" !" if (r.role, r.strategy, r.k, r.task) in failed.index
                                                           else "") for _, r in c.iterrows()]
    c["strategy"] = c.strategy.where(c.role == "pruned", "full model")
    table = c.pivot_table(index=["k", "strategy"], columns="task", values="text", aggfunc="first")
    order = {s: i for i, s in enumerate(["full model"] + ordered(set(c.strategy) - {"full model"}))}
    table = table.reset_index().sort_values(["k", "strategy"], key=lambda s: s.map(order) if s.name == "strategy" else s)
    return table.rename(columns={"k": "K"}).rename_axis(columns=None).fillna("")


def kept_table(gains):
    """Retention and gain share side by side, per K and strategy (from stats.strategy_gains)."""
    g = gains.copy()
    g["order"] = g.strategy.map({s: i for i, s in enumerate(ordered(g.strategy.unique()))})
    g = g.sort_values(["k", "order"])
    return pd.DataFrame({
        "K": g.k.to_numpy(), "strategy": g.strategy.to_numpy(),
        "retention, % of the full model's score": [interval(*r) for r in zip(g.retention, g.retention_lo, g.retention_hi)],
        "gain share, % of its gain over the constant (verdicts)": [interval(*r) for r in zip(g.gain, g.gain_lo, g.gain_hi)],
        "seeds": g.n.to_numpy(), "tasks": g.tasks.to_numpy()})


def baseline_table(runs, floor, role="baseline"):
    """Per model and task: the unpruned model's mean [interval] and SD over seeds, the constant
    predictor, and the headroom between them (points)."""
    rows = []
    for (model, task), d in runs[runs.role == role].groupby(["model", "task"]):
        mean, lo, hi, n = mean_interval(d.score)
        rows.append({"model": model, "task": task, "score": interval(mean, lo, hi, n), "seeds": n,
                     "SD (points)": round(100 * d.score.std(ddof=1), 2) if n > 1 else np.nan,
                     "constant predictor": round(100 * floor[task], 1),
                     "headroom (points)": round(100 * (mean - floor[task]), 1)})
    return pd.DataFrame(rows)


def failed_runs(df, floor):
    """Runs that never took off (stats.never_took_off)."""
    return never_took_off(df, floor)


def failed_table(failed, floor):
    """The runs that never took off, one row each, with the constant predictor's score and the bar
    for taking off (stats.took_off_above) beside."""
    f = failed.sort_values(["model", "task", "role", "strategy", "k", "seed"])
    return pd.DataFrame({"model": f.model.to_numpy(), "task": f.task.to_numpy(), "role": f.role.to_numpy(),
                         "strategy": f.strategy.to_numpy(), "K": f.k.to_numpy(), "seed": f.seed.to_numpy(),
                         "score": (100 * f.score).round(1).to_numpy(),
                         "constant predictor": (100 * f.task.map(floor)).round(1).to_numpy(),
                         "took off above": (100 * f.took_off_above).round(1).to_numpy()})


def kept_by_task(runs, floor, model):
    """Gain share per task and K, for every strategy (cells; for the robust-tasks question)."""
    k = kept(runs[runs.model == model], floor)
    k["text"] = [interval(*r) for r in zip(k.gain, k.gain_lo, k.gain_hi, k.n)]
    table = k.pivot_table(index=["k", "strategy"], columns="task", values="text", aggfunc="first")
    return table.reset_index().rename(columns={"k": "K"}).rename_axis(columns=None).fillna("")


def size_table(variants, model):
    """Parameters, checkpoint size, latency and speed-up per K of `model` (the side-by-side
    measurement of poorman.experiments.speed), against its full version (K=0)."""
    v = variants[(variants.model == model) & variants.role.isin(["baseline", "pruned"])].sort_values("k")
    full = v[v.k == 0].iloc[0]
    return pd.DataFrame({
        "K": v.k.to_numpy(), "layers": v.num_layers.to_numpy(), "params (M)": (v.params / 1e6).round(1).to_numpy(),
        "params removed (%)": (100 * (1 - v.params / full.params)).round(1).to_numpy(),
        "checkpoint (MiB)": (v.checkpoint_bytes / 2**20).round(1).to_numpy(),
        _latency_label(v): v.latency_ms.round(1).to_numpy(),
        "speed-up, ideal (FLOPs)": (full.gflops / v.gflops).round(2).to_numpy(),
        "speed-up, measured": (full.latency_ms / v.latency_ms).round(2).to_numpy()})


def _latency_label(variants):
    """"latency (ms, fp32)": the precision the table was timed in, where the rows say it."""
    said = set(variants.precision) if "precision" in variants else set()
    return f"latency (ms, {said.pop()})" if len(said) == 1 else "latency (ms)"


def _size(variants, runs, model, role, k):
    """(parameters in millions, latency in ms) of a variant: the side-by-side measurement when there
    is one, else the runs' own records."""
    if variants is not None:
        v = variants[(variants.model == model) & (variants.role == role) & (variants.k == k)]
        if len(v):
            return v.params.iloc[0] / 1e6, v.latency_ms.iloc[0]
    return runs.params_total.mean() / 1e6, runs.latency_ms.median()


def variant_points(runs, variants, model, reference, tasks):
    """One row per model variant, on `tasks` (variants that lack a task are left out): the full
    model, every pruned strategy x K, the reference. Mean score over tasks [95% interval],
    parameters (M), latency (ms); model, role, strategy and K name the variant's runs."""
    d = runs[runs.task.isin(tasks)]
    groups = [("full", d[(d.model == model) & (d.role == "baseline")], "baseline", "none", 0)]
    pruned = d[(d.model == model) & (d.role == "pruned")]
    groups += [("pruned", g, "pruned", s, k) for (s, k), g in pruned.groupby(["strategy", "k"])]
    if reference:
        groups.append(("reference", d[(d.model == reference) & (d.role == "reference")], "reference", "none", 0))
    rows = []
    for kind, g, role, strategy, k in groups:
        if set(g.task) != set(tasks):
            continue
        mean, lo, hi, n = task_mean(g)
        params, latency = _size(variants, g, g.model.iloc[0], role, k)
        name = g.model.iloc[0]
        rows.append({"variant": f"{strategy} K={k}" if kind == "pruned" else f"{name} ({'full' if kind == 'full' else 'distilled'})",
                     "kind": kind, "model": name, "role": role, "strategy": strategy, "k": int(k),
                     "layers": int(g.num_layers.iloc[0]),
                     "params_m": params, "latency_ms": latency, "score": mean, "lo": lo, "hi": hi, "n": n})
    out = pd.DataFrame(rows, columns=["variant", "kind", "model", "role", "strategy", "k", "layers", "params_m",
                                      "latency_ms", "score", "lo", "hi", "n"])  # columns even when no variant has every task
    order = {s: i for i, s in enumerate(ordered(set(out.strategy)))}
    out["jitter"] = [0.012 * (order[s] - 3) if kind == "pruned" else 0.0 for s, kind in zip(out.strategy, out.kind)]
    return out


__all__ = ["failed_runs", "interval", "show", "score_table", "kept_table", "baseline_table", "failed_table", "kept_by_task",
           "variant_points", "size_table"]
