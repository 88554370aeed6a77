"""The trade-off plot of `poorman compare`: score against latency, one point per variant."""

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns

from .. import palette


@palette.styled
def tradeoff_plot(table, title=None):
    """Score (with its interval over seeds) against latency; the frontier joined by a line.

    `table` is poorman.own.compare.compare_table's (or poorman compare's CSV)."""
    t = table.sort_values("latency_ms")
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    palette = dict(zip(sorted(t.strategy.unique()), sns.color_palette("tab10")))
    for strategy, part in t.groupby("strategy"):
        err = None
        if part.ci_low.notna().any():
            err = np.clip(np.vstack([part.score - part.ci_low, part.ci_high - part.score]), 0, None)
        ax.errorbar(part.latency_ms, part.score, yerr=err, fmt="*" if strategy == "none" else "o",
                    ms=14 if strategy == "none" else 8, color=palette[strategy], capsize=3,
                    label="full model" if strategy == "none" else strategy)
    front = t[t.frontier.astype(bool)]
    ax.step(front.latency_ms, front.score, "--", where="post", color="0.4", lw=1, zorder=0, label="frontier")
    stacked = t.groupby("latency_ms").cumcount()  # variants of one depth share a latency: stack their labels
    for row, n in zip(t.itertuples(), stacked):
        ax.annotate(f"{row.variant} ({row.layers})", (row.latency_ms, row.score), textcoords="offset points",
                    xytext=(6, 4 + 11 * n), fontsize=8)
    ax.set_xlabel("latency (ms per batch, median)")
    ax.set_ylabel("eval score" + (" (95% t-interval over seeds)" if t.ci_low.notna().any() else ", one seed"))
    ax.set_title(title or f"{table.attrs.get('task', 'your data')}: score vs latency")
    ax.legend(bbox_to_anchor=(1.02, 1), loc="upper left", fontsize=9)
    fig.tight_layout()
    return fig
