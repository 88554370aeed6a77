"""A finding: its verdict, the numbers behind it, and the sentence the book says."""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass
class Finding:
    name: str                # which finding (a claim key for the paper's claims)
    sentence: str            # one sentence, Markdown, chosen among hand-written alternatives
    verdict: str = ""        # confirmed | contradicted | inconclusive | not testable; "" for a description
    numbers: pd.DataFrame = field(default_factory=pd.DataFrame)   # the numbers, with their intervals
    key: str = ""            # the one number that decides it, with its interval
    caveat: str = ""         # what a reader must know before trusting it (short)
    rests_on: tuple = ()     # the tasks whose leaving out alone would undo the verdict

    def _repr_markdown_(self):
        return self.sentence

    def __str__(self):
        return self.sentence


def pct(x, lo=np.nan, hi=np.nan):
    """'97.3%' or '97.3% [95.1, 99.0]' from fractions; 'undefined' for NaN."""
    if x is None or np.isnan(x):
        return "undefined"
    if np.isnan(lo) or np.isnan(hi):
        return f"{100 * x:.1f}%"
    def b(v):
        return "-inf" if v == -np.inf else "inf" if v == np.inf else f"{100 * v:.1f}"
    return f"{100 * x:.1f}% [{b(lo)}, {b(hi)}]"


def names(items, conj="and"):
    """'a', 'a and b', 'a, b and c'."""
    items = list(items)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {conj} {items[-1]}"


def plural(n, one, many):
    return f"{n} {one if n == 1 else many}"


def number(n):
    """'two', ..., 'twelve', then digits: how a person writes a count in a sentence."""
    words = "zero one two three four five six seven eight nine ten eleven twelve".split()
    return words[n] if 0 <= n < len(words) else str(n)


def per_task_words(per_task):
    """'per task: confirmed on sst2; inconclusive on mrpc and stsb' from {task: verdict}, '' if empty;
    'inconclusive on each task alone' when they all agree."""
    if len(per_task) > 1 and len(set(per_task.values())) == 1:
        return f"{next(iter(per_task.values()))} on each task alone"
    by = {}
    for task, verdict in sorted(per_task.items()):
        by.setdefault(verdict, []).append(task)
    return "per task: " + "; ".join(f"{v} on {names(ts)}" for v, ts in by.items()) if by else ""


def undone_by(tasks):
    """'leaving out stsb undoes it' / 'leaving out mrpc or stsb undoes it' (sensitivity.rests_on), or ''."""
    return f"leaving out {names(tasks, 'or')} undoes it" if tasks else ""
