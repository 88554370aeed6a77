"""Chapter 1's findings about tasks and runs: which tasks survive, and the runs that never took off."""

import pandas as pd

from .. import stats, verdicts
from .base import Finding, names, number, pct, plural

KIND = {"mrpc": "paraphrase", "qqp": "paraphrase", "stsb": "similarity"}


def robust_tasks(runs, floor, model):
    """The paper's "paraphrase and similarity tasks are more robust": their gain share against the
    other tasks', each task weighing the same, and each such task on its own."""
    mine = runs[runs.model == model]
    v = verdicts.check_robust_tasks(mine, floor)
    diffs = stats.kind_difference(mine, floor, model, verdicts.ROBUST_TASKS)
    if v.verdict == verdicts.NOT_TESTABLE or diffs is None:
        return Finding("robust_tasks", "This store lacks a paraphrase or similarity task beside another kind of "
                       "task, so the question cannot be asked of it.", v.verdict, caveat="needs both kinds of task",
                       numbers=pd.DataFrame(columns=["minus_others", "lo", "hi"]).rename_axis("tasks"))
    kinds = stats.kept_by_kind(mine, floor, model, verdicts.ROBUST_TASKS)
    r, o = kinds.loc["robust"], kinds.loc["other"]
    numbers = pd.DataFrame([{"tasks": t, "minus_others": d, "lo": lo, "hi": hi}
                            for t, (d, lo, hi) in diffs.items()]).set_index("tasks")
    mine_kind = names(sorted({KIND.get(t, t) for t in r.tasks.split(", ")})) + " tasks"
    others = "the others" if "," in o.tasks else "the other task"
    said = (f"The {mine_kind} ({r.tasks}) keep {pct(r.gain, r.gain_lo, r.gain_hi)} of their gain, {others} "
            f"({o.tasks}) {pct(o.gain, o.gain_lo, o.gain_hi)}")
    up = [t for t, x in v.per_task.items() if x == verdicts.CONFIRMED]
    down = [t for t, x in v.per_task.items() if x == verdicts.CONTRADICTED]
    if up and down:
        sentence = (f"The tasks point opposite ways: {names(up)} keeps more of its gain than {o.tasks}, "
                    f"{names(down)} less, so a pooled verdict would only say how the tasks were weighed.")
    else:
        sentence = said + _robust_ending(v, verdicts.robust_by_measure(mine, floor, model))
    caveat = (f"against {o.tasks}: " + ", ".join(f"{t} {verdicts.points(*diffs[t], unit=False)}" for t in v.per_task)
              + " points of gain share")
    return Finding("robust_tasks", sentence, v.verdict, numbers, v.key, caveat)


def _robust_ending(v, both):
    """How the robust-tasks sentence ends: the verdict, or why a pooled difference is not one."""
    if v.verdict != verdicts.INCONCLUSIVE:
        return {verdicts.CONFIRMED: ": more, as the paper reports.",
                verdicts.CONTRADICTED: ": less, the opposite of what the paper reports."}[v.verdict]
    gain, gain_tasks, _ = both["gain share"]
    retention, ret_tasks, ret = both["retention"]
    if gain == verdicts.INCONCLUSIVE:
        return ", and the difference could have either sign."
    which = "more" if gain == verdicts.CONFIRMED else "less"
    alone = [t for t, x in gain_tasks.items() if x == gain]
    ending = f": {which}, but only {names(alone)} shows it on its own" if len(alone) < len(gain_tasks) else f": {which}"
    if len(ret_tasks) > 1 and ret_tasks != gain_tasks:
        ending += (", and on raw retention, the paper's measure, the tasks read otherwise ("
                   + ", ".join(f"{t} {verdicts.points(*ret[t])}" for t in ret_tasks) + " against the others)")
    elif retention != gain:
        ending += (", and on raw retention, the paper's measure, the difference "
                   f"is {verdicts.points(*ret['pooled'])}")
    return ending + ", so the data do not decide the claim."


def failed_runs(runs, floor, model):
    """Runs that never took off (under a tenth of the full model's gain), the cells where every
    seed failed, and the cells where none kept a fifth of the gain (they barely learn)."""
    mine = runs[runs.model == model]
    failed = stats.never_took_off(mine, floor)
    lost = stats.cells_at_or_below(mine, floor)
    weak = [c for c in stats.cells_at_or_below(mine, floor, share=2 * stats.FAILED_SHARE) if c not in lost]
    def where(cells):
        return names([f"{c[2]} K={c[3]} on {c[4]}" if c[1] == "pruned" else f"the full model on {c[4]}" for c in cells])
    if failed.empty and not weak:
        sentence = f"Every one of the {len(mine)} runs took off, and every cell learnt more than a fifth of the gain."
    elif failed.empty:
        sentence = (f"Every run took off, but in {plural(len(weak), 'cell', 'cells')} ({where(weak)}) no seed kept "
                    "a fifth of the gain.")
    else:
        cells = failed.groupby(stats.CELL).ngroups
        more = "more " if lost else ""
        sentence = (f"{len(failed)} of the {len(mine)} runs never took off, spread over "
                    f"{plural(cells, 'cell', 'cells')}"
                    + (f"; in {where(lost)} every seed failed" if lost else "")
                    + (f", and in {where(weak) if len(weak) < 3 else number(len(weak)) + ' ' + more + 'cells'} no seed "
                       "kept a fifth of the gain" if weak else "") + ".")
    numbers = failed[["role", "strategy", "k", "task", "seed", "score", "took_off_above"]]
    caveat = f"{where(lost)}: no seed learnt" if lost else ""
    return Finding("failed", sentence, numbers=numbers, caveat=caveat)
