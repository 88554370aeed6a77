"""How much a verdict rests on one strategy: the verdict again with each strategy's runs left out.

A verdict pooled over strategies (the robust-tasks claim pools every strategy x K cell) can be
decided by one strategy alone, for example one that collapses on a single task. Leaving each
strategy out in turn, and deciding again by the same rule, shows which runs the verdict rests on.
"""

import pandas as pd

from .verdicts import CHECKS, NOT_TESTABLE


def without_each_strategy(runs, floor, claim):
    """{strategy: the claim's verdict (poorman.book.verdicts) on `runs` without that strategy's
    pruned runs}, for every strategy with pruned runs."""
    check = CHECKS[claim]
    strategies = sorted(runs[runs.role == "pruned"].strategy.unique())
    return {s: check(runs[~((runs.role == "pruned") & (runs.strategy == s))], floor).verdict for s in strategies}


def rests_on(runs, floor, claim):
    """(verdict, {strategy: verdict without it}) for the strategies whose absence changes the
    verdict to another testable one. Leaving out the strategy a claim is about (bottom, for the
    lower layers) makes it untestable, which says nothing, so such changes are not listed."""
    verdict = CHECKS[claim](runs, floor).verdict
    return verdict, {s: v for s, v in without_each_strategy(runs, floor, claim).items()
                     if v not in (verdict, NOT_TESTABLE)}


def table(runs, floor, claims=None):
    """One row per claim: its verdict, then its verdict without each strategy where that changes it
    (blank where unchanged, or where leaving the strategy out makes the claim untestable)."""
    claims = claims or list(CHECKS)
    strategies = sorted(runs[runs.role == "pruned"].strategy.unique())
    rows = []
    for claim in claims:
        verdict, changed = rests_on(runs, floor, claim)
        rows.append({"claim": claim, "verdict": verdict, **{f"without {s}": changed.get(s, "") for s in strategies}})
    return pd.DataFrame(rows)
