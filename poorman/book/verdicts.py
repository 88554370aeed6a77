"""The book's verdicts: one rule, applied to the 95% intervals of poorman.book.stats.

Every comparison of strategies, K and tasks uses the **gain share** (the share of the
baseline's gain over a constant predictor that a pruned model keeps), pooled over the tasks
every compared strategy has, with its Fieller interval. The comparison with a distilled model,
another network with its own baseline, uses the difference of mean scores instead
(check_on_par). A missing interval (one seed) counts as unbounded.

**Best (worst) strategy at K**: the leader is the strategy with the highest (lowest) gain share;
the best (worst) is the tie of every strategy whose interval overlaps the leader's. One name
means it is separated from all others; several mean the data cannot tell them apart.

**Claims.** Each claim of the paper gets one of four verdicts:

* *confirmed*: the intervals exclude the claim being false, by the test written in its function;
* *contradicted*: the intervals exclude the claim being true;
* *inconclusive*: the intervals allow both (overlap, missing seeds, a baseline that learnt
  nothing so its gain share is undefined);
* *not testable*: the store lacks what the claim is about: the paper's models (decided from the
  model ids and roles in the store: ids such as bert-base-uncased, xlnet-base-cased,
  distilbert-base-uncased), the tasks, or a K that removes the share of parameters claimed.

A claim tested on several pruned models is confirmed if it is confirmed on every one,
contradicted if contradicted on any, and inconclusive otherwise.
"""

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .stats import kept_by_kind, mean_difference, overlaps, param_share_removed, strategy_gains
from .text import interval

CONFIRMED, CONTRADICTED, INCONCLUSIVE, NOT_TESTABLE = "confirmed", "contradicted", "inconclusive", "not testable"
# The paper's checkpoints, matched on the last part of the model id (google-bert/bert-base-uncased too).
PAPER_FAMILIES = {"bert": r"bert-base-(un)?cased", "roberta": r"roberta-base", "xlnet": r"xlnet-base-cased",
                  "albert": r"albert-base-v2", "distilbert": r"distilbert-base-(un)?cased"}
ROBUST_TASKS = ("mrpc", "qqp", "stsb")   # paraphrase detection and sentence similarity


@dataclass
class Verdict:
    claim: str          # key, see poorman.book.claims.CLAIMS
    verdict: str        # confirmed | contradicted | inconclusive | not testable
    measured: str       # what the book measured, with intervals (percent)
    missing: str = ""   # for "not testable": models | tasks | K
    need: str = ""      # for "not testable": what a reader needs to test it

    @property
    def label(self):
        return f"{self.verdict} with these {self.missing}" if self.verdict == NOT_TESTABLE else self.verdict


def family(model_id):
    """'bert', 'xlnet', ... if `model_id` is one of the paper's checkpoints, else None."""
    name = str(model_id).split("/")[-1]
    return next((f for f, pattern in PAPER_FAMILIES.items() if re.fullmatch(pattern, name)), None)


def models_of(runs, role, fam=None):
    """Model ids with runs of `role`, optionally only those of the paper's family `fam`."""
    ids = sorted(runs[runs.role == role].model.unique())
    return [m for m in ids if fam is None or family(m) == fam]


def pct(x, lo, hi):
    """'97.3% [95.1, 99.0]' (or '(no interval)'), from fractions: text.interval with a percent sign."""
    if np.isnan(x):
        return "undefined (the baseline does not beat the constant predictor)"
    if np.isnan(lo) or np.isnan(hi):
        return f"{100 * x:.1f}% (no interval: one seed)"
    mean, bounds = interval(x, lo, hi).split(" ", 1)
    return f"{mean}% {bounds}"


# ----------------------------------------------------------------------------- strategies
def tied(table, col="gain", worst=False):
    """The strategies tied for best (or worst) in `table` (rows of one K): the leader and every
    strategy whose interval overlaps the leader's. All of them if no point estimate exists."""
    table = table.reset_index(drop=True)
    if table[col].isna().all():
        return sorted(table.strategy)
    lead = table.loc[table[col].idxmin() if worst else table[col].idxmax()]
    keep = [overlaps(r[f"{col}_lo"], r[f"{col}_hi"], lead[f"{col}_lo"], lead[f"{col}_hi"])
            for _, r in table.iterrows()]
    ranked = table[keep].sort_values(col, ascending=worst)
    return list(ranked.strategy)


def ties_by_k(gains, worst=False):
    """{K: [strategies tied for best (worst)]} from strategy_gains()."""
    return {int(k): tied(g, worst=worst) for k, g in gains.groupby("k")}


def combine(claim, per_model, measured):
    """One verdict from per-model verdicts (see the module docstring)."""
    kinds = list(per_model.values())
    if not kinds:
        return None
    verdict = (CONTRADICTED if CONTRADICTED in kinds else
               CONFIRMED if all(v == CONFIRMED for v in kinds) else INCONCLUSIVE)
    return Verdict(claim, verdict, "; ".join(measured))


def short(model):
    """How verdicts name a model: its full id (tiny-random/bert is not BERT)."""
    return str(model)


def twins(runs, model):
    """{K: {strategy: the other strategies that dropped exactly its layers in every run}}: one
    model and one result, so they are not rivals."""
    if "dropped" not in runs.columns:
        return {}
    at = runs[(runs.model == model) & (runs.role == "pruned")]
    out = {}
    for k, g in at.groupby("k"):
        layers = {s: frozenset(zip(d.task, d.seed, map(tuple, d.dropped))) for s, d in g.groupby("strategy")}
        out[int(k)] = {s: {o for o in layers if o != s and layers[o] == layers[s]} for s in layers}
    return out


def twins_on_some_tasks(runs, model):
    """{K: [(strategy, other, tasks)]}: pairs that dropped the same layers in every run of some
    tasks but not of all, so on those tasks they are one model (twins() needs every task)."""
    if "dropped" not in runs.columns:
        return {}
    at = runs[(runs.model == model) & (runs.role == "pruned")]
    out = {}
    for k, g in at.groupby("k"):
        layers = {(s, t): frozenset(zip(d.seed, map(tuple, d.dropped))) for (s, t), d in g.groupby(["strategy", "task"])}
        names, tasks = sorted(set(g.strategy)), sorted(set(g.task))
        pairs = [(a, b, [t for t in tasks if (a, t) in layers and layers[(a, t)] == layers.get((b, t))])
                 for i, a in enumerate(names) for b in names[i + 1:]]
        out[int(k)] = [(a, b, same) for a, b, same in pairs if same and len(same) < len(tasks)]
    return out


def _verdict_by_ties(ties, strategy, same=None):
    """Confirmed if `strategy` alone is best (worst) at every K, contradicted if it is outside the
    tie at some K, inconclusive otherwise. same: twins(); a strategy's twins do not break "alone"."""
    if any(strategy not in t for t in ties.values()):
        return CONTRADICTED
    same = same or {}
    alone = all(set(t) <= {strategy} | same.get(k, {}).get(strategy, set()) for k, t in ties.items())
    return CONFIRMED if alone else INCONCLUSIVE


def one_model_groups(same_at_k, among):
    """The groups (sorted lists, two or more) of strategies in `among` that are one model at a K,
    from twins()[k]."""
    groups = {frozenset({s} | (same_at_k.get(s, set()) & set(among))) for s in among}
    return sorted(sorted(g) for g in groups if len(g) > 1)


def _tie(names):
    """'top', 'top and angular tie', 'top, angular and symmetric tie'."""
    names = list(names)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]} tie"


def _describe_ties(ties, gains, same=None):
    """'K=2: top and alternate-even tie, K=4: all 7 tie, K=6: top', naming the tied strategies
    that are one model (same: twins())."""
    counts, same = gains.groupby("k").strategy.nunique(), same or {}
    return ", ".join(f"K={k}: " + (f"all {len(t)} tie" if len(t) == counts[k] > 2 else _tie(t))
                     + "".join(f" ({' and '.join(g)}: one model)" for g in one_model_groups(same.get(k, {}), t))
                     for k, t in ties.items())


def frontier(points, size):
    """Which points lie on the score-against-`size` frontier: a point is off it only if another
    point no larger has a score interval entirely above its own (so ties stay on it)."""
    on = []
    for _, a in points.iterrows():
        smaller = points[points[size] <= a[size]]
        on.append(not any(not overlaps(b.lo, b.hi, a.lo, a.hi) and b.score > a.score for _, b in smaller.iterrows()))
    return on


# ----------------------------------------------------------------------------- claims
def check_40_98(runs, floor, share=0.40, tolerance=0.05, keep=0.98):
    """At the K whose removed share of the parameters (embeddings and head included) is within
    5 points of 40%: confirmed if some strategy's gain-share interval lies wholly at or above 98%,
    contradicted if every strategy's lies wholly below 98%, inconclusive otherwise; not testable
    if no K removes 35-45% of the parameters."""
    per, measured = {}, []
    for m in models_of(runs, "pruned"):
        shares = param_share_removed(runs, m)
        k = min(shares, key=lambda k: abs(shares[k] - share)) if shares else None
        if k is None or abs(shares[k] - share) > tolerance:
            measured.append(f"{short(m)}: no K removes {100 * (share - tolerance):.0f}-"
                            f"{100 * (share + tolerance):.0f}% of its parameters")
            continue
        g = strategy_gains(runs, floor, m).query("k == @k")
        if g.empty:
            continue
        lo, hi = g.gain_lo.fillna(-np.inf), g.gain_hi.fillna(np.inf)
        per[m] = CONFIRMED if (lo >= keep).any() else CONTRADICTED if (hi < keep).all() else INCONCLUSIVE
        best = g.iloc[0]
        raw = pct(best.retention, best.retention_lo, best.retention_hi)
        measured.append(f"{short(m)}, K={k} ({100 * shares[k]:.1f}% of parameters removed): the highest gain share, "
                        f"{best.strategy}, keeps {pct(best.gain, best.gain_lo, best.gain_hi)} of the gain "
                        f"(raw retention, the paper's measure: {raw})")
    return combine("pruned_40_keeps_98", per, measured) or Verdict(
        "pruned_40_keeps_98", NOT_TESTABLE, "; ".join(measured) or "no pruned runs", "K",
        f"pruned runs at a K that removes about {100 * share:.0f}% of the parameters, with their baseline")


def check_on_par(runs, floor, margin=0.02):
    """The pruned BERT with DistilBERT's depth whose gain share is highest, against DistilBERT:
    the difference of their mean scores over the tasks both have, with its 95% interval.
    Confirmed if the interval lies within +-2 points, contradicted if it lies wholly outside
    them, inconclusive otherwise; not testable without a bert-base and a distilbert-base."""
    bert, ref = models_of(runs, "pruned", "bert"), models_of(runs, "reference", "distilbert")
    if not bert or not ref:
        return Verdict("on_par_with_distilbert", NOT_TESTABLE,
                       f"pruned: {', '.join(map(short, models_of(runs, 'pruned'))) or 'none'}; reference: "
                       f"{', '.join(map(short, models_of(runs, 'reference'))) or 'none'}", "models",
                       "pruned runs of bert-base and runs of distilbert-base on the same tasks, with 3 or more "
                       "seeds per cell (the colab and paper profiles' models; they run one seed per pruned cell "
                       "and per reference)")
    d = runs[runs.model.isin([bert[0], ref[0]])]
    r = d[d.role == "reference"]
    k = int(d[d.model == bert[0]].original_layers.iloc[0] - r.num_layers.iloc[0])
    g = strategy_gains(runs, floor, bert[0]).query("k == @k")
    if g.empty:
        return Verdict("on_par_with_distilbert", NOT_TESTABLE, f"no pruned {short(bert[0])} runs at K={k}",
                       "K", f"pruned {short(bert[0])} runs at K={k}, DistilBERT's depth")
    p = d[(d.role == "pruned") & (d.k == k) & (d.strategy == g.iloc[0].strategy)]
    tasks = sorted(set(p.task) & set(r.task))
    diff, lo, hi = mean_difference(p[p.task.isin(tasks)], r[r.task.isin(tasks)])
    verdict = (CONFIRMED if lo >= -margin and hi <= margin else
               CONTRADICTED if lo > margin or hi < -margin else INCONCLUSIVE)
    size = d[d.model == bert[0]].query("k == @k").params_total.mean() / r.params_total.mean()
    return Verdict("on_par_with_distilbert", verdict,
                   f"{short(bert[0])} {g.iloc[0].strategy} K={k} minus {short(ref[0])}: "
                   f"{100 * diff:+.1f} points [{100 * lo:+.1f}, {100 * hi:+.1f}] on {', '.join(tasks)}; "
                   f"{size:.2f}x its parameters")


def check_lower_critical(runs, floor):
    """Confirmed if bottom is the worst strategy at every K on its own (its interval below every
    other's), contradicted if at some K it is outside the worst tie (the lowest strategy's
    interval lies wholly below it), inconclusive otherwise. A strategy that dropped exactly
    bottom's layers in every run is the same model, not a rival."""
    per, measured = {}, []
    for m in models_of(runs, "pruned"):
        g = strategy_gains(runs, floor, m)
        g = g[g.k.isin(g[g.strategy == "bottom"].k)]
        if g.strategy.nunique() < 2:
            continue
        ties = ties_by_k(g, worst=True)
        same = twins(runs, m)
        per[m] = _verdict_by_ties(ties, "bottom", same)
        measured.append(f"{short(m)}, worst: {_describe_ties(ties, g, same)}")
    return combine("lower_layers_critical", per, measured) or Verdict(
        "lower_layers_critical", NOT_TESTABLE, "no pruned runs of bottom and another strategy", "models",
        "pruned runs of the bottom strategy and at least one other, with their baseline")


def check_top_best(runs, floor):
    """Confirmed if top is the best strategy at every K on its own (its interval above every
    other's), contradicted if at some K it is outside the best tie (the leader's interval lies
    wholly above it), inconclusive otherwise. A strategy that dropped exactly top's layers in
    every run is the same model, not a rival."""
    per, measured = {}, []
    for m in models_of(runs, "pruned"):
        g = strategy_gains(runs, floor, m)
        g = g[g.k.isin(g[g.strategy == "top"].k)]
        if g.strategy.nunique() < 2:
            continue
        ties = ties_by_k(g)
        same = twins(runs, m)
        per[m] = _verdict_by_ties(ties, "top", same)
        measured.append(f"{short(m)}, best: {_describe_ties(ties, g, same)}")
    return combine("top_best", per, measured) or Verdict(
        "top_best", NOT_TESTABLE, "no pruned runs of top and another strategy", "models",
        "pruned runs of the top strategy and at least one other, with their baseline")


def check_robust_tasks(runs, floor, robust=ROBUST_TASKS):
    """The gain share pooled over every strategy x K cell that all tasks have, on the paraphrase
    and similarity tasks (MRPC, QQP, STS-B) against the other tasks: confirmed if the first
    interval lies wholly above the second, contradicted if wholly below, inconclusive if they
    overlap; not testable without tasks of both kinds."""
    per, measured = {}, []
    for m in models_of(runs, "pruned"):
        groups = kept_by_kind(runs, floor, m, robust)
        if groups is None:
            continue
        r, o = groups.loc["robust"], groups.loc["other"]
        per[m] = (CONFIRMED if r.gain_lo > o.gain_hi else CONTRADICTED if r.gain_hi < o.gain_lo else INCONCLUSIVE)
        measured.append(f"{short(m)}: {r.tasks} keep {pct(r.gain, r.gain_lo, r.gain_hi)} of the gain, "
                        f"{o.tasks} {pct(o.gain, o.gain_lo, o.gain_hi)} (pooled over {r.cells} strategy x K cells)")
    return combine("robust_tasks", per, measured) or Verdict(
        "robust_tasks", NOT_TESTABLE, f"tasks: {', '.join(sorted(runs.task.unique()))}", "tasks",
        "pruned runs on a paraphrase or similarity task (MRPC, QQP, STS-B) and on another task")


def _pair(runs, claim, need):
    """(bert id, xlnet id) with pruned runs in the store, or a not-testable Verdict."""
    bert, xlnet = models_of(runs, "pruned", "bert"), models_of(runs, "pruned", "xlnet")
    if bert and xlnet:
        return bert[0], xlnet[0]
    present = ", ".join(map(short, models_of(runs, "pruned"))) or "none"
    return Verdict(claim, NOT_TESTABLE, f"pruned models in the store: {present}", "models", need)


NEED_PAIR = ("pruned runs of bert-base and xlnet-base-cased on the same tasks and K, with 3 or more seeds per cell "
             "(the colab and paper profiles' models; they run one seed per pruned cell)")


def check_objective(runs, floor):
    """Confirmed if at some K the strategies tied for best on BERT and on XLNet have none in
    common, contradicted if at every K both have the same single best strategy, inconclusive
    otherwise; not testable without pruned runs of a bert-base and the xlnet-base."""
    pair = _pair(runs, "objective_matters", NEED_PAIR)
    if isinstance(pair, Verdict):
        return pair
    ties = [ties_by_k(strategy_gains(runs, floor, m)) for m in pair]
    ks = sorted(set(ties[0]) & set(ties[1]))
    if not ks:
        return Verdict("objective_matters", NOT_TESTABLE, "no K with pruned runs of both", "K", NEED_PAIR)
    disjoint = any(not set(ties[0][k]) & set(ties[1][k]) for k in ks)
    same = all(ties[0][k] == ties[1][k] and len(ties[0][k]) == 1 for k in ks)
    verdict = CONFIRMED if disjoint else CONTRADICTED if same else INCONCLUSIVE
    return Verdict("objective_matters", verdict, "; ".join(
        f"{short(m)}, best: {_describe_ties({k: t[k] for k in ks}, strategy_gains(runs, floor, m))}"
        for m, t in zip(pair, ties)))


def check_xlnet_top(runs, floor):
    """The gain share of top at the largest K both models have: confirmed if XLNet's interval
    lies wholly above BERT's, contradicted if wholly below, inconclusive if they overlap; not
    testable without pruned runs of a bert-base and the xlnet-base."""
    pair = _pair(runs, "xlnet_robust_top", NEED_PAIR)
    if isinstance(pair, Verdict):
        return pair
    top = [strategy_gains(runs, floor, m).query("strategy == 'top'").set_index("k") for m in pair]
    ks = sorted(set(top[0].index) & set(top[1].index))
    if not ks:
        return Verdict("xlnet_robust_top", NOT_TESTABLE, "no K with top runs of both", "K", NEED_PAIR)
    b, x = (t.loc[ks[-1]] for t in top)
    verdict = (CONFIRMED if x.gain_lo > b.gain_hi else CONTRADICTED if x.gain_hi < b.gain_lo else INCONCLUSIVE)
    return Verdict("xlnet_robust_top", verdict, f"top K={ks[-1]}: {short(pair[1])} keeps "
                   f"{pct(x.gain, x.gain_lo, x.gain_hi)} of the gain, {short(pair[0])} {pct(b.gain, b.gain_lo, b.gain_hi)}")


CHECKS = {"pruned_40_keeps_98": check_40_98, "on_par_with_distilbert": check_on_par,
          "lower_layers_critical": check_lower_critical, "robust_tasks": check_robust_tasks,
          "objective_matters": check_objective, "xlnet_robust_top": check_xlnet_top, "top_best": check_top_best}


def all_claims(runs, floor):
    """{claim key: Verdict} for every claim, on `runs` (the tasks the verdicts may use)."""
    return {key: check(runs, floor) for key, check in CHECKS.items()}
