"""Chapter 1's findings about tasks and runs: which tasks survive, and the runs that never took off."""

import pandas as pd

from .. import stats, verdicts
from .base import Finding, names, number, pct, plural

KIND = {"mrpc": "paraphrase", "qqp": "paraphrase", "stsb": "similarity"}


def robust_tasks(runs, floor, model):
    """The paraphrase and similarity tasks' share kept against the other tasks', each task
    weighing the same, on the gain share and on raw retention, and each such task on its own."""
    mine = runs[runs.model == model]
    v = verdicts.check_robust_tasks(mine, floor)
    both = verdicts.robust_by_measure(mine, floor, model)
    if v.verdict == verdicts.NOT_TESTABLE or both is None:
        return Finding("robust_tasks", "This store lacks a paraphrase or similarity task beside another kind of "
                       "task, so the question cannot be asked of it.", v.verdict, caveat="needs both kinds of task",
                       numbers=pd.DataFrame(columns=COLUMNS).rename_axis("tasks"))
    distinct = verdicts.one_run_per_model(mine, model)   # the pool the verdict reads: twins once
    kinds = stats.kept_by_kind(distinct, floor, model, verdicts.ROBUST_TASKS)
    r, o = kinds.loc["robust"], kinds.loc["other"]
    gain, retention = both["gain share"][2], both["retention"][2]
    numbers = pd.DataFrame([[*gain[t], *retention[t]] for t in gain], index=pd.Index(list(gain), name="tasks"),
                           columns=COLUMNS)
    mine_kind = names(sorted({KIND.get(t, t) for t in r.tasks.split(", ")})) + " tasks"
    others = "the others" if "," in o.tasks else "the other task"
    said = (f"The {mine_kind} ({r.tasks}) keep {pct(r.gain, r.gain_lo, r.gain_hi)} of their gain, {others} "
            f"({o.tasks}) {pct(o.gain, o.gain_lo, o.gain_hi)}")
    up = [t for t, x in v.per_task.items() if x == verdicts.CONFIRMED]
    down = [t for t, x in v.per_task.items() if x == verdicts.CONTRADICTED]
    if up and down:
        sentence = (f"The tasks point opposite ways: {names(up)} loses less than {o.tasks}, {names(down)} more, "
                    "so a pooled verdict would only say how the tasks were weighed.")
    else:
        sentence = said + _robust_ending(v, both)
    caveat = f"vs {o.tasks} (gain share / retention): " + "; ".join(
        f"{t} {verdicts.points(*gain[t], unit=False)} / {verdicts.points(*retention[t], unit=False)}"
        for t in v.per_task) + failed_by_task(distinct, floor)
    return Finding("robust_tasks", sentence, v.verdict, numbers, v.key, caveat)


def failed_by_task(runs, floor):
    """'; never took off: mrpc 13, stsb 2 of 81 pruned runs' ('mrpc 13/81, stsb 2/78 pruned runs'
    where the tasks have different numbers of runs; the tasks with any), or '': a failed run keeps
    nothing, so a few of them can make a task's mean share."""
    totals = runs[runs.role == "pruned"].task.value_counts().sort_index()
    failed = stats.never_took_off(runs, floor).query("role == 'pruned'").task.value_counts()
    same = totals.nunique() == 1
    counts = [f"{t} {failed[t]}" + ("" if same else f"/{n}") for t, n in totals.items() if t in failed]
    tail = f" of {totals.iloc[0]} pruned runs" if same else " pruned runs"
    return "; never took off: " + ", ".join(counts) + tail if counts else ""


def failed_of(runs, floor, strategy):
    """'top K=2 on mrpc (seed 44) never took off' for a strategy's failed runs (or how many, past
    two), or ''."""
    failed = stats.never_took_off(runs, floor).query("strategy == @strategy")
    if len(failed) > 2:
        return f"{len(failed)} {strategy} runs never took off"
    return names([f"{strategy} K={r.k} on {r.task} (seed {r.seed})" for r in failed.itertuples()]) + \
        " never took off" if len(failed) else ""


# the robust-tasks table: each row (a task, or "pooled") minus the other tasks, on each measure
COLUMNS = ["gain share", "gain lo", "gain hi", "retention", "retention lo", "retention hi"]


def task_sides(numbers):
    """{task: its verdict on its own} from robust_tasks().numbers: the side both measures show
    (verdicts.both_measures)."""
    return {t: verdicts.both_measures([verdicts.interval_sign(*row[:3]), verdicts.interval_sign(*row[3:])])
            for t, row in numbers.iterrows() if t != "pooled"}


def _robust_ending(v, both):
    """How the robust-tasks sentence ends: the verdict, or why a pooled difference is not one."""
    if v.verdict != verdicts.INCONCLUSIVE:
        return {verdicts.CONFIRMED: ": more, on both measures and on each such task, as the paper reports.",
                verdicts.CONTRADICTED: ": less, on both measures and on each such task, the opposite of what "
                                       "the paper reports."}[v.verdict]
    gain, retention = both["gain share"][0], both["retention"][0]
    if gain == retention == verdicts.INCONCLUSIVE:
        return ", and on neither measure is the difference shown to have a sign, so the data do not decide the claim."
    if gain != retention:
        return (f", and on raw retention, the paper's measure, the difference is "
                f"{verdicts.points(*both['retention'][2]['pooled'])}, against "
                f"{verdicts.points(*both['gain share'][2]['pooled'])} of gain share: the measures do not agree, "
                "so the data do not decide the claim.")
    which = "more" if gain == verdicts.CONFIRMED else "less"
    sides = {t: {both["gain share"][1][t], both["retention"][1][t]} for t in v.per_task}
    why = {t: " (its two measures point opposite ways)" if x == {verdicts.CONFIRMED, verdicts.CONTRADICTED} else
              " (on one measure only)" if x == {gain, verdicts.INCONCLUSIVE} else "" for t, x in sides.items()}
    quiet = [t + why[t] for t, x in v.per_task.items() if x != gain]
    return (f": {which} on both measures pooled, but {names(quiet)} {'does' if len(quiet) == 1 else 'do'} not "
            "show it on both on its own, so the data do not decide the claim.")


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
    numbers = failed[["role", "strategy", "k", "task", "seed", "score", "took_off_above"]].sort_values(
        ["role", "strategy", "k", "task", "seed"], ignore_index=True)
    caveat = f"{where(lost)}: no seed learnt" if lost else ""
    return Finding("failed", sentence, numbers=numbers, caveat=caveat)
