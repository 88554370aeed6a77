"""How much a verdict rests on one strategy or one task: the verdict again with it left out.

A verdict pooled over strategies and tasks (the robust-tasks claim pools every strategy x K
cell) can be decided by one strategy alone, for example one that collapses on a single task, or
by one task. Leaving each strategy, then each task, out in turn, and deciding again by the same
rule, shows which runs the verdict rests on.
"""

import pandas as pd

from .verdicts import CHECKS, NOT_TESTABLE


def _left_out(runs, column, value):
    """`runs` without the pruned runs of a strategy, or without every run of a task."""
    if column == "strategy":
        return runs[~((runs.role == "pruned") & (runs.strategy == value))]
    return runs[runs[column] != value]


def _values(runs, column):
    """The strategies with pruned runs, or the tasks with runs."""
    return sorted((runs[runs.role == "pruned"] if column == "strategy" else runs)[column].unique())


def without_each(runs, floor, claim, column="strategy"):
    """{strategy (or task): the claim's verdict (poorman.book.verdicts) on `runs` without it},
    for every strategy with pruned runs (every task with runs)."""
    check = CHECKS[claim]
    return {v: check(_left_out(runs, column, v), floor).verdict for v in _values(runs, column)}


def rests_on(runs, floor, claim, *columns):
    """(verdict, {strategy or task: verdict without it}) for those whose absence changes the
    verdict to another testable one; columns: "strategy" (the default), "task" or both. Leaving
    out what a claim is about (bottom, for the lower layers) makes it untestable, which says
    nothing, so such changes are not listed."""
    verdict = CHECKS[claim](runs, floor).verdict
    return verdict, {v: other for column in columns or ("strategy",)
                     for v, other in without_each(runs, floor, claim, column).items()
                     if other not in (verdict, NOT_TESTABLE)}


def undone_at(runs, floor, claim, task):
    """The K at which leaving out `task` changes the claim's verdict on that K's runs alone (to
    another testable one): where a verdict over every K rests on the task."""
    check = CHECKS[claim]
    def at(d, k):
        return d[(d.role != "pruned") | (d.k == k)]
    rest = runs[runs.task != task]
    return [int(k) for k in sorted(runs[runs.role == "pruned"].k.unique())
            if check(at(rest, k), floor).verdict not in (check(at(runs, k), floor).verdict, NOT_TESTABLE)]


def table(runs, floor, claims=None, names=None):
    """One row per claim (named by `names`, {key: words}, if given): its verdict, then its verdict
    without each strategy and without each task where that changes it (blank where unchanged, or
    where leaving it out makes the claim untestable)."""
    claims, names = claims or list(CHECKS), names or {}
    rows = []
    for claim in claims:
        verdict, changed = rests_on(runs, floor, claim, "strategy", "task")
        rows.append({"claim": names.get(claim, claim), "verdict": verdict,
                     **{f"without {v}": changed.get(v, "") for c in ("strategy", "task") for v in _values(runs, c)}})
    return pd.DataFrame(rows)


def rests_on_sentence(runs, floor, claim):
    """One sentence on what the verdict rests on: the strategies and tasks without which it would
    change (rests_on), or that no single one decides it. Empty if the claim is not testable."""
    verdict, changed = rests_on(runs, floor, claim, "strategy", "task")
    if verdict == NOT_TESTABLE:
        return ""
    if not changed:
        return ("No single strategy or task decides it: leaving out any one of them gives the same verdict "
                "(or leaves nothing to test).")
    return ("The verdict rests on " + " and ".join(f"**{s}**" for s in changed) + ": without "
            + "; without ".join(f"{s}'s runs it would be *{v}*" for s, v in changed.items()) + ".")
