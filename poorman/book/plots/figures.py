"""Figures drawn from the run store's DataFrame and the cached layer scores (seaborn)."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from ...core.strategies import NEEDS_SCORES, STRATEGIES, select_layers
from .tables import retention

sns.set_theme(style="whitegrid", context="notebook")


def strategy_diagram(num_layers=12, ks=(2, 4, 6), strategies=None, scores=None):
    """Which layers each strategy drops (dark) for each K; 1-based layers as in the paper."""
    strategies = [s for s in (strategies or STRATEGIES) if s not in NEEDS_SCORES or scores is not None]
    rows, labels = [], []
    for s in strategies:
        for k in ks:
            dropped = select_layers(s, num_layers, k, scores=scores if s in NEEDS_SCORES else None)
            rows.append([1.0 if i in dropped else 0.0 for i in range(num_layers)])
            labels.append(f"{s}, K={k}")
    fig, ax = plt.subplots(figsize=(0.45 * num_layers + 2.5, 0.28 * len(rows) + 1))
    sns.heatmap(np.array(rows), cmap=sns.color_palette(["#d9e8f5", "#b2182b"], as_cmap=True), cbar=False,
                linewidths=0.5, linecolor="white", xticklabels=range(1, num_layers + 1), yticklabels=labels, ax=ax)
    ax.set_xlabel("layer (1 = bottom)")
    ax.set_title("Dropped layers (red) per strategy and K")
    fig.tight_layout()
    return fig


def retention_plot(df, model=None, spread=None):
    """Percentage of the full model's score kept against layers dropped, per strategy (mean over tasks)."""
    r = retention(df, model)
    fig, ax = plt.subplots(figsize=(7, 4.2))
    sns.lineplot(data=r, x="k", y="retained_pct", hue="strategy", style="strategy", markers=True,
                 dashes=False, errorbar=None, ax=ax)
    ax.axhline(100, color="k", lw=0.8)
    if spread is not None:
        ax.axhspan(100 - spread, 100, color="grey", alpha=0.15, label="baseline seed range")
    ax.set_xticks(sorted(r.k.unique()))
    ax.set_xlabel(f"layers dropped (of {int(r.original_layers.iloc[0])})")
    ax.set_ylabel("% of full model's score (mean over tasks)")
    ax.legend(bbox_to_anchor=(1.02, 1), loc="upper left", fontsize=9)
    fig.tight_layout()
    return fig


def task_grid_plot(df, model=None):
    """Score per task against K, one panel per task, a line per strategy; dashed: the baseline."""
    d = df if model is None else df[df.model == model]
    pruned = d[d.role == "pruned"]
    g = sns.relplot(data=pruned, x="k", y="score", hue="strategy", col="task", kind="line", marker="o",
                    col_wrap=min(4, pruned.task.nunique()), height=2.8, aspect=1.1,
                    facet_kws={"sharey": False}, errorbar=None)
    base = d[d.role == "baseline"].groupby("task").score.mean()
    for task, ax in g.axes_dict.items():
        ax.axhline(base.get(task, np.nan), color="k", ls="--", lw=1)
    g.set_axis_labels("layers dropped", "dev score")
    return g.figure


def contribution_plot(scores_by_model, field="cosine"):
    """Per-layer input/output cosine (high: the layer changes little; contribution drops those first)."""
    rows = [{"model": name, "layer": i + 1, field: v}
            for name, s in scores_by_model.items() for i, v in enumerate(getattr(s, field))]
    fig, ax = plt.subplots(figsize=(7, 3.8))
    sns.lineplot(data=pd.DataFrame(rows), x="layer", y=field, hue="model", marker="o", ax=ax)
    ax.set_ylabel("cos(layer input, layer output)")
    ax.set_xlabel("layer (1 = bottom)")
    fig.tight_layout()
    return fig


def similarity_plot(data, x="layer", y="cka", hue="model", col=None, title=None):
    """A per-layer curve (CKA, cosine, ...) per `hue`; one panel per `col` value if given."""
    if col:
        g = sns.relplot(data=data, x=x, y=y, hue=hue, col=col, kind="line", marker="o", height=3.4,
                        errorbar=None, facet_kws={"sharex": False})
        g.set_axis_labels("relative depth (0 = embeddings, 1 = top)" if x == "depth" else x, y)
        return g.figure
    fig, ax = plt.subplots(figsize=(7, 3.8))
    sns.lineplot(data=data, x=x, y=y, hue=hue, style=hue, marker="o", errorbar=None, ax=ax)
    ax.set_xlabel("relative depth (0 = embeddings, 1 = top)" if x == "depth" else "layer (1 = bottom)")
    ax.set_ylabel(y)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def score_vs_latency_plot(points, x="latency_ms", y="score", label="variant"):
    """Dev score against forward latency: one point per model variant."""
    fig, ax = plt.subplots(figsize=(7, 4.2))
    sns.scatterplot(data=points, x=x, y=y, hue=label, style=label, s=90, ax=ax)
    ax.set_xlabel("forward latency (ms, median)")
    ax.set_ylabel("mean dev score over tasks")
    ax.legend(bbox_to_anchor=(1.02, 1), loc="upper left", fontsize=9)
    fig.tight_layout()
    return fig
