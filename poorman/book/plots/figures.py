"""Figures over the run store: every score in percent, every mean with its 95% interval or its seeds.

Colours come from poorman.book.palette (one colour per strategy in every chapter); each figure is
drawn in the book's theme (palette.style) and leaves the caller's matplotlib settings alone.
"""

import functools
import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.lines import Line2D

from ...core.strategies import NEEDS_SCORES, NEEDS_WEIGHTS, STRATEGIES, select_layers
from .. import palette
from ..stats import cells, mean_interval, never_took_off


def task_title(task):
    """GLUE's own spelling (SST-2, STS-B, ...) when the task has one."""
    from ...experiments.data.tasks import get_task
    try:
        tsv = get_task(task).tsv
    except ValueError:
        return task
    return tsv.dir if tsv else task


def _errorbar(ax, x, mean, lo, hi, colour, label=None, marker="o", size=5):
    """Points with 95% intervals; a missing bound draws no bar, an infinite one runs off the panel."""
    mean, lo, hi = (np.asarray(v, dtype=float) for v in (mean, lo, hi))
    lo, hi = np.where(np.isnan(lo), mean, lo), np.where(np.isnan(hi), mean, hi)
    lo, hi = np.clip(lo, -1e3, 1e3), np.clip(hi, -1e3, 1e3)
    ax.errorbar(x, mean, yerr=[mean - lo, hi - mean], fmt=marker, color=colour, ms=size, capsize=2.5,
                lw=1.2, label=label)


def _limits(ax, values, floor=None, ceil=None):
    v = np.asarray([x for x in values if np.isfinite(x)], dtype=float)
    lo, hi = v.min(), v.max()
    pad = 0.06 * (hi - lo or 1)
    ax.set_ylim(max(lo - pad, floor if floor is not None else -np.inf), min(hi + pad, ceil if ceil is not None else np.inf))


def _dodge(i, n, width=0.78):
    return (i - (n - 1) / 2) * width / n


@palette.styled
def strategy_diagram(num_layers=12, ks=(2, 4, 6), strategies=None, scores=None, weights=None):
    """Which layers each strategy drops (red) for each K; 1-based layers as in the paper. The
    strategies that need them are drawn when `scores` (LayerScores) or `weights` (WeightScores) are given."""
    given = {**{s: scores for s in NEEDS_SCORES}, **{s: weights for s in NEEDS_WEIGHTS}}
    strategies = [s for s in (strategies or STRATEGIES) if s not in given or given[s] is not None]
    rows, labels = [], []
    for s in palette.ordered(strategies):
        for k in ks:
            dropped = select_layers(s, num_layers, k, scores=given.get(s))
            rows.append([1.0 if i in dropped else 0.0 for i in range(num_layers)])
            labels.append(f"{s}, K={k}")
    fig, ax = plt.subplots(figsize=(palette.FIGURE_WIDTH * 0.75, 0.26 * len(rows) + 1.2))
    sns.heatmap(np.array(rows), cmap=sns.color_palette(["#d9e8f5", "#b2182b"], as_cmap=True), cbar=False,
                linewidths=0.5, linecolor="white", xticklabels=range(1, num_layers + 1), yticklabels=labels, ax=ax)
    ax.set_xlabel("layer (1 = bottom)")
    ax.set_title("Dropped layers (red) per strategy and K")
    return fig


def _apart(gains, col="gain", gap=12.0):
    """Strategies whose worst mean sits far below every other's (a gap of `gap` points): drawn in
    a panel of their own, so that the others keep a scale on which 98% and 100% are apart."""
    worst = (100 * gains.groupby("strategy")[col].min()).dropna()
    cut = _split(worst.to_numpy(), gap)
    return [] if cut is None else sorted(worst[worst < cut].index)


def _kept_panel(ax, gains, col, strategies, ks, line):
    for i, s in enumerate(strategies):
        g = gains[gains.strategy == s].set_index("k").reindex(ks)
        _errorbar(ax, np.arange(len(ks)) + _dodge(i, len(strategies)), 100 * g[col], 100 * g[f"{col}_lo"],
                  100 * g[f"{col}_hi"], palette.strategy_colour(s), label=s)
    ax.axhline(100, color=palette.BASELINE_COLOUR, lw=0.9)
    if line is not None:
        ax.axhline(100 * line, color="#444444", lw=1, ls="--")   # named in the legend, not over the points
    ax.set_xticks(range(len(ks)), [f"K={k}" for k in ks])
    shown = gains[gains.strategy.isin(strategies)]
    _limits(ax, 100 * pd.concat([shown[col], shown[f"{col}_lo"], shown[f"{col}_hi"], pd.Series([1.0, line or 1.0])]),
            floor=-60, ceil=160)


@palette.styled
def kept_plot(gains, line=None, line_label=None):
    """Retention (left) and gain share (right: what the verdicts use) per strategy and K; `line`
    (a fraction) draws a dashed line on both, e.g. a claim's threshold, named in the legend.
    A strategy far below the others (bottom, usually) gets a row of its own, so the upper row's
    scale shows the line against the points that decide it."""
    strategies, ks = palette.ordered(gains.strategy.unique()), sorted(gains.k.unique())
    low = [s for s in strategies if s in _apart(gains)]
    rows = [[s for s in strategies if s not in low]] + ([low] if low else [])
    fig, axes = plt.subplots(len(rows), 2, figsize=(palette.FIGURE_WIDTH, 4.4 if len(rows) == 1 else 6.0),
                             sharex=True, squeeze=False, gridspec_kw={"height_ratios": [3, 1.3][:len(rows)]})
    titles = {"retention": "retention:\n% of the full model's score",
              "gain": "gain share (the verdicts'):\n% of its gain over the constant"}
    for r, row in enumerate(rows):
        for ax, col in zip(axes[r], titles):
            _kept_panel(ax, gains, col, row, ks, line)
            if r == 0:
                ax.set_title(titles[col])
    axes[0, 0].set_ylabel("% pooled over tasks (95% interval)")
    if low:
        axes[1, 0].set_ylabel(" and ".join(low) + ",\nfar below", fontsize=10)
    handles = [Line2D([], [], color=palette.strategy_colour(s), marker="o", ls="", label=s) for s in strategies]
    if line is not None:
        handles.append(Line2D([], [], color="#444444", lw=1, ls="--", label=line_label or f"{100 * line:g}%"))
    fig.legend(handles=handles, title="strategy", loc="lower center", ncol=min(len(handles), 4))
    fig.tight_layout(rect=(0, 0.2 if len(rows) == 1 else 0.15, 1, 1))
    return fig




def _task_panel(ax, d, floor, task, strategies, ks):
    c = cells(d[d.role == "pruned"])
    for i, s in enumerate(strategies):
        g = c[c.strategy == s].set_index("k").reindex(ks)
        x = np.arange(len(ks)) + _dodge(i, len(strategies))
        _errorbar(ax, x, 100 * g["mean"], 100 * g.lo, 100 * g.hi, palette.strategy_colour(s), label=s, size=4)
        seeds = d[(d.role == "pruned") & (d.strategy == s)]
        sx = seeds.k.map({k: j for j, k in enumerate(ks)}) + _dodge(i, len(strategies))
        failed = seeds.index.isin(never_took_off(d, floor).index)
        ax.scatter(sx[~failed], 100 * seeds.score[~failed], s=9, color=palette.strategy_colour(s), alpha=0.45, lw=0)
        ax.scatter(sx[failed], 100 * seeds.score[failed], s=28, color=palette.strategy_colour(s), marker="x", lw=1.3)
    base = d[d.role == "baseline"].score
    title = task_title(task)
    if len(base):
        mean, lo, hi, _ = (100 * v for v in mean_interval(base))
        ax.axhline(mean, color=palette.BASELINE_COLOUR, lw=1.3)
        if np.isfinite(lo):
            ax.axhspan(lo, hi, color=palette.BASELINE_COLOUR, alpha=0.08, lw=0)
        title += f": full model {mean:.1f}"
    ax.axhline(100 * floor[task], color=palette.CONSTANT_COLOUR, ls="--", lw=1.2)
    # The range holds every mean, seed, the full model and the constant: not the intervals, so one
    # wide interval (a cell of 3 seeds that disagree) cannot squash the panel; it runs off the edge.
    band = [mean, lo, hi] if len(base) else []
    seen = pd.concat([100 * c["mean"], 100 * d.score, pd.Series([100 * floor[task], *band])])
    _limits(ax, seen)
    ax.set_title(f"{title} (constant {100 * floor[task]:.1f})", fontsize=11)
    ax.set_xticks(range(len(ks)), [f"K={k}" for k in ks])


@palette.styled
def task_grid(runs, floor, model, tasks):
    """Dev score per task against K: each strategy's seed mean with its 95% interval, its seeds as
    dots (x: a seed that never took off, stats.never_took_off); black line: the full model's mean (band:
    its 95% interval); dashed: the constant predictor. Both values are in the panel's title, not
    over the points; an interval wider than the panel's range (means and seeds) runs off its edge."""
    d = runs[runs.model == model]
    tasks = [t for t in tasks if t in set(d.task)]
    strategies = palette.ordered(d[d.role == "pruned"].strategy.unique())
    ks = sorted(d[d.role == "pruned"].k.unique())
    ncols = 1 if len(tasks) == 1 else 2
    nrows = math.ceil(len(tasks) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(palette.FIGURE_WIDTH, 3.4 * nrows + 0.3), squeeze=False)
    for ax, task in zip(axes.flat, tasks):
        _task_panel(ax, d[d.task == task], floor, task, strategies, ks)
    for ax in axes[:, 0]:
        ax.set_ylabel("dev score (%)")
    spare = axes.flat[len(tasks)] if len(tasks) < axes.size else None
    handles = [Line2D([], [], color=palette.strategy_colour(s), marker="o", ls="", label=s) for s in strategies]
    handles += [Line2D([], [], color="#888888", marker="o", ms=3, ls="", label="one seed (big: mean, 95% interval)"),
                Line2D([], [], color="#444444", marker="x", ls="", label="a seed that never took off"),
                Line2D([], [], color=palette.BASELINE_COLOUR, label="full model (band: 95% interval)"),
                Line2D([], [], color=palette.CONSTANT_COLOUR, ls="--", label="constant predictor")]
    for ax in axes.flat[len(tasks) + 1:]:
        ax.set_visible(False)
    if spare is not None:
        spare.axis("off")
        spare.legend(handles=handles, loc="center left", ncol=1)
    else:
        fig.legend(handles=handles, loc="lower center", ncol=3)
    fig.tight_layout(rect=(0, 0 if spare is not None else 0.36 / nrows, 1, 1))
    return fig


def _robustness_panel(ax, g, strategies):
    for i, s in enumerate(strategies):
        gs = g[g.strategy == s].sort_values("k")
        x = 100 * gs.k / gs.layers + 2.2 * _dodge(i, len(strategies), width=1)
        _errorbar(ax, x, 100 * gs.gain, 100 * gs.gain_lo, 100 * gs.gain_hi, palette.strategy_colour(s), label=s)
    ax.axhline(100, color=palette.BASELINE_COLOUR, lw=0.9)


@palette.styled
def robustness_plot(gains, labels):
    """Gain share against the share of layers dropped, one column per model ({model id: label}).
    A strategy far below the others gets a row of its own, as in kept_plot."""
    models = [m for m in labels if m in set(gains.model)]
    strategies = palette.ordered(gains.strategy.unique())
    low = [s for s in strategies if s in _apart(gains)]
    rows = [[s for s in strategies if s not in low]] + ([low] if low else [])
    fig, axes = plt.subplots(len(rows), len(models), figsize=(palette.FIGURE_WIDTH, 4.2 if len(rows) == 1 else 5.6),
                             sharex="col", squeeze=False, gridspec_kw={"height_ratios": [3, 1.3][:len(rows)]})
    for r, row in enumerate(rows):
        shown = gains[gains.strategy.isin(row)]
        for ax, m in zip(axes[r], models):
            _robustness_panel(ax, gains[gains.model == m], row)
            _limits(ax, 100 * pd.concat([shown.gain, shown.gain_lo, shown.gain_hi, pd.Series([1.0])]), floor=-60, ceil=160)
            if r == 0:
                ax.set_title(labels[m], fontsize=10)
    for ax in axes[-1]:
        ax.set_xlabel("% of layers dropped")
    axes[0, 0].set_ylabel("gain share kept\n(%, 95% interval)")
    if low:
        axes[1, 0].set_ylabel(" and ".join(low) + ",\nfar below", fontsize=10)
    handles = [Line2D([], [], color=palette.strategy_colour(s), marker="o", ls="", label=s) for s in strategies]
    fig.legend(handles=handles, title="strategy", loc="lower center", ncol=min(len(handles), 4))
    fig.tight_layout(rect=(0, 0.2 if len(rows) == 1 else 0.16, 1, 1))
    return fig


@palette.styled
def layer_profile_plot(data, y, ylabel, hue="task", col="model", title=None, order=None):
    """A per-layer curve per `hue` value, one panel per `col` value (in `order`, else as they
    come), against relative depth (0 = embeddings, 1 = the top layer); mean over seeds as a line,
    each seed as a dot."""
    cols = [c for c in dict.fromkeys(order) if c in set(data[col])] if order else list(dict.fromkeys(data[col]))
    fig, axes = plt.subplots(1, len(cols), figsize=(palette.FIGURE_WIDTH, 3.9), sharey=True, squeeze=False)
    hues = list(dict.fromkeys(data[hue]))
    colours = ({h: palette.task_colour(h) for h in hues} if hue == "task" else dict(zip(hues, palette.MODEL_COLOURS)))
    for ax, name in zip(axes.flat, cols):
        d = data[data[col] == name]
        for h in hues:
            dh = d[d[hue] == h]
            if dh.empty:
                continue
            ax.scatter(dh.depth, dh[y], s=8, color=colours[h], alpha=0.35, lw=0)
            m = dh.groupby("depth")[y].mean()
            ax.plot(m.index, m.values, marker="o", ms=3.5, color=colours[h], label=h)
        ax.set_title(str(name).replace("/", "/\n", 1), fontsize=9)   # Hub ids are wider than a panel
        ax.set_xlabel("relative depth")
        ax.set_xticks([0, 0.5, 1])
    axes[0, 0].set_ylabel(ylabel)
    # every hue in the legend, not only the first panel's (a model may lack a task)
    handles = [Line2D([], [], color=colours[h], marker="o", ms=3.5, label=h) for h in hues]
    fig.legend(handles=handles, title=hue, loc="center left", bbox_to_anchor=(1.0, 0.5))
    if title:
        fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig


def _split(scores, gap=12.0):
    """The score (%) that separates a far-below group from the rest, when a gap of `gap` points
    or more parts them; None when the scores sit together."""
    v = np.sort(np.asarray([x for x in scores if np.isfinite(x)]))
    if len(v) < 2:
        return None
    i = int(np.argmax(np.diff(v)))
    return (v[i] + v[i + 1]) / 2 if v[i + 1] - v[i] >= gap and i + 1 <= len(v) / 3 else None


def _frontier_points(ax, points, slots):
    """Each variant at its size's slot, strategies side by side; filled if on the size frontier."""
    for _, p in points.iterrows():
        colour = {"full": palette.BASELINE_COLOUR, "reference": palette.REFERENCE_COLOUR}.get(
            p.kind, palette.strategy_colour(p.strategy))
        marker = {"full": "D", "reference": "s"}.get(p.kind, "o")
        x = slots[p.params_m] + (_dodge(p.order, p.among, width=0.8) if p.kind == "pruned" else 0)
        _errorbar(ax, [x], [100 * p.score], [100 * p.lo], [100 * p.hi], colour, marker=marker, size=6)
        if not p.frontier_params_m:   # off the frontier: hollow
            ax.plot([x], [100 * p.score], marker=marker, ms=4, color="white", ls="", zorder=3)


@palette.styled
def frontier_plot(points):
    """Mean dev score over tasks (95% interval) of every variant, by size: one slot per size (its
    parameters and latency under it), strategies side by side within it; filled points are on the
    size frontier (poorman.book.verdicts.frontier, column frontier_params_m), hollow ones are not.
    Variants far below the rest get a panel of their own, so the rest keep a readable scale."""
    pts = points.sort_values("params_m").copy()
    sizes = list(dict.fromkeys(pts.params_m))
    slots = {size: i for i, size in enumerate(sizes)}
    order = {s: i for i, s in enumerate(palette.ordered(pts[pts.kind == "pruned"].strategy.unique()))}
    pts["order"], pts["among"] = pts.strategy.map(order).fillna(0), max(len(order), 1)
    cut = _split(100 * pts.score)
    rows = [pts] if cut is None else [pts[100 * pts.score >= cut], pts[100 * pts.score < cut]]
    fig, axes = plt.subplots(len(rows), 1, figsize=(palette.FIGURE_WIDTH, 4.6 if len(rows) == 1 else 5.6), sharex=True,
                             squeeze=False, gridspec_kw={"height_ratios": [3, 1][:len(rows)], "hspace": 0.08})
    for ax, part in zip(axes[:, 0], rows):
        _frontier_points(ax, part, slots)
        _limits(ax, 100 * pd.concat([part.score, part.lo, part.hi]))
    labels = [f"{int(pts[pts.params_m == size].layers.iloc[0])} layers\n{size:.0f}M\n"
              f"{pts[pts.params_m == size].latency_ms.iloc[0]:.0f} ms" for size in sizes]
    axes[-1, 0].set_xticks(range(len(sizes)), labels)
    axes[-1, 0].set_xlabel("size: layers, parameters, latency (median per batch)")
    axes[0, 0].set_ylabel("mean dev score over tasks (%)")
    if cut is not None:
        axes[1, 0].set_ylabel("far below", fontsize=10)
    handles = [Line2D([], [], color=colour, marker=marker, ls="", label=label) for kind, colour, marker, label in
               (("full", palette.BASELINE_COLOUR, "D", "full model"),
                ("reference", palette.REFERENCE_COLOUR, "s", "distilled reference")) if kind in set(pts.kind)]
    handles += [Line2D([], [], color=palette.strategy_colour(s), marker="o", ls="", label=s) for s in order]
    handles.append(Line2D([], [], color="#555555", marker="o", mfc="white", ls="", label="hollow: off the frontier"))
    fig.subplots_adjust(left=0.1, right=0.74, top=0.97, bottom=0.2)
    fig.legend(handles=handles, loc="center left", bbox_to_anchor=(0.75, 0.58), fontsize=10)
    return fig


@palette.styled
def contribution_plot(scores_by_label, field="cosine"):
    """Per-layer input/output cosine (high: the layer changes little; contribution drops those first)."""
    fig, ax = plt.subplots(figsize=(palette.FIGURE_WIDTH * 0.8, 3.8))
    for label, s in scores_by_label.items():
        colour, values = palette.task_colour(label), getattr(s, field)
        ax.plot(range(1, len(values) + 1), values, marker="o", color=colour, label=label)
    ax.set_ylabel("cos(layer input, layer output)")
    ax.set_xlabel("layer (1 = bottom)")
    ax.legend(title="calibration task")
    fig.tight_layout()
    return fig
