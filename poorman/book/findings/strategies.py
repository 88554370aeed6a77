"""Chapter 1's findings: how much each strategy keeps, which is best and worst, the 40% claim,
which tasks survive, the runs that never took off, and the strategies that are one model."""

import numpy as np
import pandas as pd

from .. import sensitivity, stats, verdicts
from .base import Finding, names, number, pct, per_task_words, undone_by


def _mine(runs, model):
    return runs[runs.model == model]


def kept_performance(runs, floor, model):
    """Retention and gain share of every strategy at every K (tasks weigh equally)."""
    g = stats.strategy_gains(_mine(runs, model), floor, model)
    rest = g[g.strategy != "bottom"]
    if rest.empty:
        return Finding("kept", "The store holds no pruned runs of this model beside bottom yet.", numbers=g)
    ks = sorted(rest.k.unique())
    first, last = (rest[rest.k == k] for k in (ks[0], ks[-1]))
    def who(frame, end):
        """The strategy keeping the least (end 0) or most (end -1); twins: the registry's first name."""
        row = stats.by_score(frame, "retention", ascending=end == 0).iloc[0]
        return f"{row.strategy}'s {pct(row.retention, row.retention_lo, row.retention_hi)}"
    if len(ks) > 1 and first.retention.min() >= 0.97:
        sentence = (f"With {ks[0]} layers gone, every strategy but bottom keeps a mean of at least "
                    f"{pct(first.retention.min())} of the full model's score over the tasks (the lowest is "
                    f"{who(first, 0)}" + (f"; the intervals reach down to {pct(first.retention_lo.min())}"
                                          if first.retention_lo.notna().any() else "") + "); "
                    f"with {ks[-1]} gone they spread from {who(last, 0)} to {who(last, -1)}.")
    elif len(ks) > 1:
        sentence = (f"With {ks[0]} layers gone the strategies other than bottom keep from {who(first, 0)} to "
                    f"{who(first, -1)} of the score, and with {ks[-1]} gone from {who(last, 0)} to "
                    f"{who(last, -1)}.")
    else:
        sentence = (f"With {ks[0]} layers gone the strategies other than bottom keep from {who(first, 0)} to "
                    f"{who(first, -1)} of the full model's score.")
    return Finding("kept", sentence, numbers=g)


def _alone(tie, same_at_k):
    """Is the first of a ranked() list alone, its twins aside?"""
    return set(tie) <= {tie[0]} | same_at_k.get(tie[0], set())


def _nearest(pairs, lead):
    """The row of pairwise() (as lead - rival) whose difference is smallest; None without pairs."""
    rivals = [verdicts.difference(pairs, lead, o) for o in (set(pairs.a) | set(pairs.b)) - {lead}]
    return min(rivals, key=lambda r: abs(r["diff"])) if rivals else None


def _ranking(runs, model, worst=False):
    """One row per K: the leader (the trailing strategy if worst), those not shown apart from it,
    whether it stands alone, and its paired difference from the nearest rival, with the raw and
    the Holm-adjusted p."""
    mine = _mine(runs, model)
    same, rows = verdicts.twins(mine, model), []
    for k, tie in verdicts.paired_ties(mine, model, worst).items():
        near = _nearest(verdicts.pairwise(mine, model, k, against=tie[0]), tie[0])
        found = ({"rival": near.b, **{c: near[c] for c in ("diff", "lo", "hi", "p", "p_holm")}} if near is not None
                 else {"rival": "", **dict.fromkeys(("diff", "lo", "hi", "p", "p_holm"), np.nan)})
        rows.append({"k": k, "leader": tie[0], "not_shown_apart": tie[1:], "alone": _alone(tie, same.get(k, {})),
                     "models": _distinct(tie, same.get(k, {})), **found})
    return pd.DataFrame(rows)


def _distinct(strategies, same_at_k):
    """How many distinct models `strategies` are: twins (the same layers in every run) count once."""
    return len(set(verdicts.representatives(same_at_k, strategies).values()))


def _crowd(row):
    """'top, alternate-even and contribution' or 'six strategies (four models)', the leader first."""
    tied = [row.leader] + list(row.not_shown_apart)
    if len(tied) <= 3:
        return names(tied)
    models = f" ({number(row.models)} distinct models)" if row.models < len(tied) else ""
    return f"{number(len(tied))} strategies{models}"


def best_strategy(runs, floor, model):
    """Which strategy is best at each K, by paired tests (verdicts.ranked)."""
    r = _ranking(runs, model)
    if r.empty:
        return Finding("best", "The store holds no pruned runs of this model yet.", numbers=r)
    alone, crowd = r[r.alone], r[~r.alone]
    for row in alone.itertuples():   # the sentence says "shown better than each other strategy"
        assert verdicts.leads_alone(verdicts.pairwise(_mine(runs, model), model, row.k, against=row.leader),
                                    row.leader)
    if r.lo.isna().all():
        sentence = "With one seed per cell there is no paired test yet, so no strategy can be named best."
    elif crowd.empty and alone.leader.nunique() == 1:
        sentence = (f"**{alone.leader.iloc[0]}** is best at every K: paired tests show it better than each other "
                    f"strategy, by {verdicts.points(alone['diff'].iloc[-1], alone.lo.iloc[-1], alone.hi.iloc[-1])} "
                    f"over the nearest, {alone.rival.iloc[-1]}, at K={alone.k.iloc[-1]}.")
    elif len(alone):
        last = alone.iloc[-1]
        sentence = (f"Paired tests single out **{last.leader}** at K={last.k}, ahead of {last.rival} by "
                    f"{verdicts.points(last['diff'], last.lo, last.hi)}; at "
                    + "; at ".join(f"K={row.k} {_crowd(row)} are not shown apart" for row in crowd.itertuples()) + ".")
        if len(alone) > 1:
            sentence = sentence.replace("at K=", "at K=" + ", ".join(str(k) for k in alone.k[:-1]) + " and K=", 1)
    else:
        sentence = ("At no K do the paired tests single out one strategy: "
                    + "; ".join(f"at K={row.k}, {_crowd(row)} are not shown apart" for row in r.itertuples()) + ".")
    return Finding("best", sentence, numbers=r)


def _bottom_caveat(runs, floor, model):
    """'bottom never fine-tuned at K=2, 4, 6 on cola and K=2 on stsb; three more barely learn', or ''."""
    mine = _mine(runs, model)
    lost = [c for c in stats.cells_at_or_below(mine, floor) if c[2] == "bottom"]
    weak = [c for c in stats.cells_at_or_below(mine, floor, share=2 * stats.FAILED_SHARE)
            if c[2] == "bottom" and c not in lost]
    ks = {}
    for c in lost:
        ks.setdefault(c[4], []).append(str(c[3]))
    where = names(f"K={', '.join(k)} on {t}" for t, k in sorted(ks.items())) if ks else ""
    parts = [f"bottom never fine-tuned at {where}"] if ks else []
    if weak:
        parts.append(f"{number(len(weak))} more barely {'learns' if len(weak) == 1 else 'learn'}" if lost else
                     f"{number(len(weak))} bottom {'cell' if len(weak) == 1 else 'cells'} barely "
                     f"{'learns' if len(weak) == 1 else 'learn'}")
    return "; ".join(parts)


def lower_layers(runs, floor, model):
    """The paper's "the lower layers are the most critical": is bottom worst at every K?"""
    v = verdicts.check_lower_critical(_mine(runs, model), floor)
    r = _ranking(runs[runs.k.isin(runs[runs.strategy == "bottom"].k) | (runs.role != "pruned")], model, worst=True)
    carried = _carried_by(_mine(runs, model), floor, "lower_layers_critical", v.verdict)
    one = len(carried) == 1   # the K at which one task carries the verdict
    ks = sensitivity.undone_at(_mine(runs, model), floor, "lower_layers_critical", carried[0]) if one else []
    at_k = f" at K={', '.join(map(str, ks))}" if ks else ""
    caveat = "; ".join(filter(None, [_bottom_caveat(runs, floor, model), per_task_words(v.per_task),
                                     undone_by(carried) + at_k]))
    if v.verdict == verdicts.NOT_TESTABLE:
        return Finding("lower_layers_critical", "This store has no runs of bottom beside another strategy.",
                       v.verdict, r, v.key, caveat)
    low, high = r[r.alone & (r.leader == "bottom")], r[~(r.alone & (r.leader == "bottom"))]
    opposite = [t for t, x in v.per_task.items() if x == verdicts.CONTRADICTED]
    if v.verdict == verdicts.CONFIRMED:
        sentence = ("Dropping the **bottom** layers is the worst choice at every K: paired tests show it below "
                    "every other strategy" + (f", on the tasks pooled; it rests on {names(carried)}, without which "
                                              f"the tests do not show it{at_k}." if carried else "."))
    elif v.verdict == verdicts.CONTRADICTED:
        row = r[[lead != "bottom" and "bottom" not in rest for lead, rest in zip(r.leader, r.not_shown_apart)]].iloc[0]
        sentence = (f"Dropping the bottom layers is not always the worst choice: at K={row.k}, {row.leader} is "
                    "shown below it.")
    elif opposite:
        sentence = (f"The tasks disagree: on {names(opposite)} another strategy is shown below bottom, so the "
                    "verdict is inconclusive whatever the pooled ranking says.")
    elif len(low):
        rivals = sorted((set(sum(map(list, high.not_shown_apart), [])) | set(high.leader)) - {"bottom"})
        sentence = (f"Dropping the **bottom** layers is the worst choice at K={names(map(str, low.k))}, shown "
                    f"below every other strategy; at K={names(map(str, high.k))} it is not shown apart from "
                    + (names(rivals) if len(rivals) <= 3 else f"the {number(len(rivals))} others"
                       + (f" ({number(int(high.models.iloc[0]) - 1)} distinct models)"
                          if len(high) == 1 and high.models.iloc[0] - 1 < len(rivals) else ""))
                    + "".join(_trails(row, len(high) > 1) for row in high.itertuples()) + ".")
    else:
        sentence = "At every K bottom is among the worst, but the paired tests never single it out."
    return Finding("lower_layers_critical", sentence, v.verdict, r, v.key, caveat, tuple(carried))


def _carried_by(runs, floor, claim, verdict):
    """The tasks a confirmed or contradicted verdict rests on: leaving one out changes it
    (poorman.book.sensitivity); [] for any other verdict."""
    if verdict not in (verdicts.CONFIRMED, verdicts.CONTRADICTED):
        return []
    return list(sensitivity.rests_on(runs, floor, claim, "task")[1])


def _trails(row, name_k=False):
    """', though there its paired difference from the nearest, x, is ... (p ...)' ('at K=6' for
    'there' if name_k) when bottom sits below its nearest rival on average but the test falls
    short; '' otherwise."""
    if not row.rival or np.isnan(row.diff) or row.diff >= 0:
        return ""
    return (f", though {f'at K={row.k}' if name_k else 'there'} its paired difference from the nearest, {row.rival}, is "
            f"{verdicts.points(row.diff, row.lo, row.hi)} (p {verdicts.p_text(row.p)}, above 5%)")


def forty_percent(runs, floor, model):
    """The paper's "pruning 40% keeps up to 98%", on raw retention; the gain share beside it."""
    mine = _mine(runs, model)
    v = verdicts.check_40_98(mine, floor)
    removed = stats.param_share_removed(mine, model)
    if v.verdict == verdicts.NOT_TESTABLE or not removed:
        return Finding("pruned_40_keeps_98", "No K in this store removes close to 40% of the parameters, so the "
                       "paper's figure has no counterpart here.", v.verdict, caveat="no K removes 35-45%")
    k = min(removed, key=lambda k: abs(removed[k] - 0.40))
    g = stats.by_score(stats.seed_kept(mine, floor, model, k), "retention")
    lead = g.iloc[0]
    assert v.key.startswith(f"{lead.strategy} K={k}")   # the strategy the verdict read
    said = (f"At K={k}, which removes {100 * removed[k]:.0f}% of the parameters, **{lead.strategy}** keeps "
            f"{pct(lead.retention, lead.retention_lo, lead.retention_hi)} of the full model's score")
    wide, n = verdicts.best_of_intervals(mine, floor, model, k)
    widened = verdicts.widened(wide.loc[lead.strategy], n)   # ' ([97.1, 103.1] as the best of 7)'
    sentence = said + {
        verdicts.CONFIRMED: ", an interval wholly above the paper's 98%"
                            + (f", and still so when widened for picking the best{widened}." if widened else "."),
        verdicts.CONTRADICTED: ": no strategy's interval reaches the paper's 98%.",
        verdicts.INCONCLUSIVE: (", but with one seed per cell there is no interval to judge it by."
                                if np.isnan(lead.retention_lo) else
                                f": the interval lies above the paper's 98%, but not when widened for picking "
                                f"the best{widened}, so the data do not decide." if lead.retention_lo >= 0.98 else
                                ": the interval straddles the paper's 98%, so the data do not decide."),
    }[v.verdict]
    gain = pct(lead.gain, lead.gain_lo, lead.gain_hi)
    caveat = (f"gain share {gain} reaches below 98%" if not lead.gain_lo >= 0.98
              else f"gain share {gain} clears 98% too") + _tasks_below(mine, floor, lead)
    carried = _carried_by(mine, floor, "pruned_40_keeps_98", v.verdict)
    caveat += f"; {undone_by(carried)}" if carried else ""
    return Finding("pruned_40_keeps_98", sentence, v.verdict, g, v.key, caveat, tuple(carried))


def _tasks_below(runs, floor, lead, keep=0.98):
    """'; alone, cola keeps 92.5% [85.6, 99.4], sst2 97.4% [94.9, 99.8]': each task whose own retention
    interval for the leading cell (paired by seed, as the pooled one) reaches below `keep`, which the
    pool averages away; '' if none does."""
    cell = runs[(runs.role == "baseline") | ((runs.strategy == lead.strategy) & (runs.k == lead.k))]
    shares = stats.seed_shares(cell[cell.task.isin(lead.tasks.split(", "))], None)
    per_task = {task: stats.mean_interval(shares[task])[:3] for task in shares}
    low = [(task, pct(*kept)) for task, kept in per_task.items() if not kept[1] >= keep]
    return "; alone, " + ", ".join(f"{task} {'keeps ' if i == 0 else ''}{kept}" for i, (task, kept) in enumerate(low)) \
        if low else ""




def twin_strategies(runs, model):
    """Strategies that dropped the same layers in every run at a K: one model, one result."""
    mine = _mine(runs, model)
    same = verdicts.twins(mine, model)
    groups = {k: verdicts.one_model_groups(s, list(s)) for k, s in same.items()}
    rows = [{"k": k, "strategies": ", ".join(g)} for k, gs in groups.items() for g in gs]
    numbers = pd.DataFrame(rows, columns=["k", "strategies"])
    if numbers.empty:
        return Finding("twins", "No two strategies dropped the same layers: every result is a model of its own.",
                       numbers=numbers)
    by_group = numbers.groupby("strategies").k.apply(list)
    sentence = "; ".join(f"at K={names(map(str, ks))}, {names(g.split(', '))} dropped the same layers in every run"
                         for g, ks in by_group.items())
    several = (numbers.strategies.str.count(",") > 1).any()
    sentence = sentence[0].upper() + sentence[1:] + (f", so each such {'group' if several else 'pair'} is one model "
                                                      "with one result, not strategies that happen to agree.")
    return Finding("twins", sentence, numbers=numbers)


def two_strategies(runs, models, a, b):
    """Do strategies a and b score alike? Their paired difference (a - b, score points) at each K
    of each model where they are two models, Holm-adjusted over those Ks and models (a "not
    alike" at some K is one claim among several); the tasks on which they dropped the same
    layers are named, since there the difference is 0 by construction."""
    rows = []
    for m in models:
        mine = _mine(runs, m)
        shared = {k: [t for s, o, tasks in pairs if {s, o} == {a, b} for t in tasks]
                  for k, pairs in verdicts.twins_on_some_tasks(mine, m).items()}
        for k in sorted(mine[mine.role == "pruned"].k.unique()):
            pairs = verdicts.pairwise(mine, m, k)
            if {a, b} <= set(pairs.a) | set(pairs.b):
                d = verdicts.difference(pairs, a, b)
                rows.append({"model": str(m).split("/")[-1], "K": int(k), "difference": d["diff"], "lo": d.lo,
                             "hi": d.hi, "p": d.p, "one model on": ", ".join(shared.get(int(k), []))})
    numbers = pd.DataFrame(rows, columns=["model", "K", "difference", "lo", "hi", "p", "one model on"])
    numbers["p_holm"] = stats.holm(numbers.p) if len(numbers) else []
    return Finding(f"{a}_vs_{b}", _alike_sentence(numbers, a, b), numbers=numbers)


def _alike_sentence(numbers, a, b):
    if numbers.empty:
        return f"{a.capitalize()} and {b} are one model at every K here, so there is nothing to compare."
    apart = numbers[numbers.p_holm < verdicts.ALPHA]
    if apart.empty:
        return (f"No K shows {a} and {b} apart (Holm-adjusted over the {number(len(numbers))} comparisons), "
                "as the profile predicts; not shown apart is not the same as equal.")
    said = names([f"{'ahead of' if r.difference > 0 else 'behind'} {b} by "
                  f"{verdicts.points(r.difference, r.lo, r.hi)} at K={r.K}" for r in apart.itertuples()])
    return (f"They do not score alike: {a} is {said} (Holm-adjusted p under 5%), so dropping much the same "
            "middle layers is not the whole story of how they rank.")

