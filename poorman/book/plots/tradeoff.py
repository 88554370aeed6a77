"""The trade-off plot of `poorman compare`: score against latency, one point per variant."""

import matplotlib.pyplot as plt
import numpy as np

from .. import palette


@palette.styled
def tradeoff_plot(table, title=None):
    """Score (with its interval over seeds) against latency; the frontier joined by a line.

    Colours are the book's strategy colours. Variants of one depth share a latency, so each
    strategy is nudged sideways by a little; the top axis names the layers each latency keeps.
    No label sits on the plotting area, where it could cover a point.
    `table` is poorman.own.compare.compare_table's (or poorman compare's CSV)."""
    t = table.sort_values("latency_ms")
    fig, ax = plt.subplots(figsize=(palette.FIGURE_WIDTH, 4.4))
    strategies = ["none"] + palette.ordered(s for s in t.strategy.unique() if s != "none")
    span = t.latency_ms.max() - t.latency_ms.min() or t.latency_ms.max()
    for i, strategy in enumerate(strategies):
        part = t[t.strategy == strategy]
        full = strategy == "none"
        x = part.latency_ms + (0 if full else 0.012 * span * (i - len(strategies) / 2))
        err = None
        if part.ci_low.notna().any():
            err = np.clip(np.vstack([part.score - part.ci_low, part.ci_high - part.score]), 0, None) * 100
        ax.errorbar(x, 100 * part.score, yerr=err, fmt="D" if full else "o", ms=8 if full else 6, capsize=3,
                    color=palette.BASELINE_COLOUR if full else palette.strategy_colour(strategy),
                    label="full model" if full else strategy)
    front = t[t.frontier.astype(bool)]
    ax.step(front.latency_ms, 100 * front.score, ":", where="post", color="0.4", lw=1, zorder=0, label="frontier")
    depths = t.drop_duplicates("latency_ms")
    top = ax.secondary_xaxis("top")
    top.set_xticks(depths.latency_ms, [f"{str(layers).split('/')[0]} layers" for layers in depths.layers])
    ax.set_xlabel("latency (ms per batch, median)")
    ax.set_ylabel("eval score (%" + (", 95% interval over seeds)" if t.ci_low.notna().any() else ", one seed)"))
    ax.set_title(title or f"{table.attrs.get('task', 'your data')}: score vs latency", fontsize=11, pad=24)
    ax.legend(bbox_to_anchor=(1.02, 1), loc="upper left", fontsize=9)
    fig.tight_layout()
    return fig
