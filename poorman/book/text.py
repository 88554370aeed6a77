"""Numbers as the book writes them: a mean with its 95% interval, in percent points."""

import numpy as np

from .stats import FULL_SEEDS


def interval(mean, lo, hi, n=None, scale=100, digits=1):
    """'90.7 [89.9, 91.5]'; the seed count is added when below FULL_SEEDS ('90.7 (1 seed)'). The
    interval's space is non-breaking, so a narrow table cell wraps it whole, after the mean."""
    if mean is None or np.isnan(mean):
        return "undefined"
    def f(v):
        return "-inf" if v == -np.inf else "inf" if v == np.inf else f"{scale * v:.{digits}f}"
    text = f"{scale * mean:.{digits}f}"
    if not (np.isnan(lo) or np.isnan(hi)):
        text += f" [{f(lo)},\u00a0{f(hi)}]"
    if n is not None and n < FULL_SEEDS:
        text += f" ({n} seed{'s' if n > 1 else ''})"
    return text


def interval_table(frame, col, index, columns):
    """A table whose cells read 'mean [lo, hi]' (in %) from frame's col, col_lo and col_hi, with
    `index` as rows and `columns` as columns."""
    text = [interval(r[col], r[f"{col}_lo"], r[f"{col}_hi"]) for _, r in frame.iterrows()]
    return frame.assign(shown=text).pivot(index=index, columns=columns, values="shown")

