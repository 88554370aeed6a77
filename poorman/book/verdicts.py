"""The book's verdicts: one rule, applied to the 95% intervals of poorman.book.stats.

**Strategies are compared by paired tests** (poorman.book.stats.paired_difference): at a K, every
pair of strategies by the seed-by-seed differences of their scores, per task, the tasks averaged
with equal weights. Naming the best (worst) at K compares the leader with each other strategy.
Strategies that dropped the same layers in every run (twins()) are one model, not a pair to test.

**Best (worst) strategy at K**: the leader has the highest (lowest) mean score over the tasks
(equal weights). It is best (worst) *alone* if each of its comparisons shows it better (worse)
at 5%, its twins aside. That needs no correction for the number of comparisons: "better than
every other" is true only if each comparison is, so a false "alone" needs the one false
comparison to pass its own 5% test (an intersection-union test, Berger 1982); the same holds
for "alone at every K". Otherwise the strategies not shown apart from it are named with it:
*shown apart* means a Holm-adjusted p under 5% (stats.holm, over the leader's comparisons at
that K), since naming several strategies as apart makes several claims at once. *Not shown
apart* does not mean equal.

**Per task.** The same tests on each task alone. A pooled verdict that a task's own verdict
contradicts (confirmed on the pool, contradicted on a task, or the reverse) becomes
inconclusive: the tasks point opposite ways, and the pool's equal weights alone would decide.

**Shares.** The 40% claim is judged on raw retention (pruned score / full score), the paper's
measure, paired by seed (stats.seed_kept); the gain share (the share of the full model's gain
over a constant predictor) is shown beside it as the stricter view. The robust-tasks claim is
decided only where the gain share and raw retention both show the pooled difference, and only if
every paraphrase or similarity task shows the same on its own, on both measures (every_task,
both_measures): a claim about a kind of task that one task carries, or that one floor makes, is
inconclusive. Its differences are paired by seed (stats.kind_difference), and twins count once
in its pool (one_run_per_model). The claims about strategies are instead decided on the pool of
tasks, as the paper's averages are: a task alone has too few seeds to decide them, so it can
only undo a verdict by showing its opposite (agree); where leaving out one task would undo a
verdict, the claims page says the verdict rests on it (poorman.book.sensitivity). The comparison
with a distilled model, another network with its own baseline, uses the difference of mean
scores instead (check_on_par). A missing interval (one seed) counts as unbounded. The
BERT-against-XLNet claims (chapter 2) rank each model's strategies by the paired tests above,
and compare the two models' gain shares by the interval of their difference
(stats.gain_difference, Welch-Satterthwaite), not by whether two intervals overlap.

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
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .stats import (LEVEL, by_score, gain_difference, holm, kept_by_kind, kind_difference, mean_difference,
                    paired_difference, param_share_removed, registry_rank, seed_kept, strategy_gains)
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
    key: str = ""       # the one number that decides it, with its interval
    per_task: dict = field(default_factory=dict)   # {task: verdict on that task alone}, where tested

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
ALPHA = 0.05   # a pair is shown apart when its Holm-adjusted p-value is below this


def _pruned_at(runs, model, k, tasks=None):
    """Pruned runs of `model` at K on the tasks every strategy at that K has (or on `tasks`)."""
    at = runs[(runs.model == model) & (runs.role == "pruned") & (runs.k == k)]
    common = set.intersection(*map(set, at.groupby("strategy").task.unique())) if len(at) else set()
    return at[at.task.isin(common if tasks is None else common & set(tasks))]


def pairwise(runs, model, k, tasks=None, against=None):
    """Pairs (a, b) of strategies at K that are not one model (twins(): of each group of twins
    only its representative() is tested, so one model is one comparison): the paired difference
    a - b (stats.paired_difference), its p-value Holm-adjusted over the pairs listed, and `shown`:
    True if that p is under ALPHA. against: only the pairs of that strategy with each other one,
    the family a best (worst) strategy is named from; None: every pair at K."""
    at = _pruned_at(runs, model, k, tasks)
    return _pairwise(at, _representatives_at(at, model, k), against)


def _representatives_at(at, model, k):
    """representatives() of the strategies in `at` (runs of one model at one K)."""
    return representatives(twins(at, model).get(int(k), {}), at.strategy.unique())


def _pairwise(at, rep, against):
    """pairwise() on runs `at` already chosen, with their representatives `rep`."""
    names = sorted(set(rep.values()))   # twins are one model: one of them stands for all, once
    against = rep.get(against, against)
    pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1:] if against in (None, a, b)]
    rows = [{"a": a, "b": b, **{c: v for c, v in paired_difference(at[at.strategy == a], at[at.strategy == b]).items()
                                if c != "tasks"}} for a, b in pairs]
    out = pd.DataFrame(rows, columns=["a", "b", "diff", "lo", "hi", "df", "p", "n"])
    out["p_holm"] = holm(out.p) if len(out) else []
    out["shown"] = out.p_holm < ALPHA
    return out


def difference(pairs, a, b):
    """The row of pairwise() comparing a with b, as a - b (the sign flipped if stored as b - a)."""
    row = pairs[(pairs.a == a) & (pairs.b == b)]
    if len(row):
        return row.iloc[0]
    flip = pairs[(pairs.a == b) & (pairs.b == a)].iloc[0].copy()
    flip["a"], flip["b"], flip["diff"], flip["lo"], flip["hi"] = a, b, -flip["diff"], -flip["hi"], -flip["lo"]
    return flip


def ranked(runs, model, k, worst=False, tasks=None):
    """The best (worst) at K by paired tests: [leader, then every strategy not shown apart from it
    (Holm), by mean score]; the leader alone (with its twins) if each of its tests against the rest
    shows it better (worse) at ALPHA, unadjusted: "better than every other" holds only if every
    one of those comparisons does, an intersection-union test whose error rate is at most ALPHA
    with no correction (Berger 1982). All of them, by name, if no strategy has a score."""
    at = _pruned_at(runs, model, k, tasks)
    means = at.groupby(["strategy", "task"]).score.mean().groupby("strategy").mean()
    if means.empty:
        return sorted(at.strategy.unique())
    means = by_score(means.rename("score").reset_index(), "score", ascending=worst).set_index("strategy").score
    lead = means.index[0]
    rep = _representatives_at(at, model, k)
    pairs = _pairwise(at, rep, against=lead)
    if leads_alone(pairs, rep[lead], worst):
        return [s for s in means.index if rep[s] == rep[lead]]   # the leader's twins are the leader
    # a twin shares its representative's test
    apart = {s for s in means.index[1:] if rep[s] != rep[lead] and difference(pairs, rep[lead], rep[s]).shown}
    return [s for s in means.index if s not in apart]


def _one_sided(row, worst):
    """The p-value of row (as leader - rival) for the leader being better (worse): half the
    two-sided p on the claimed side, one less that on the other."""
    right = row["diff"] < 0 if worst else row["diff"] > 0
    return row.p / 2 if right else 1 - row.p / 2


def deciding_test(pairs, lead, worst=False):
    """The row of pairwise() (as lead - rival) that decides whether `lead` stands alone: the one
    with the largest one-sided p for `lead` being better (worse); None without rivals."""
    rivals = [difference(pairs, lead, o) for o in (set(pairs.a) | set(pairs.b)) - {lead}]
    return max(rivals, key=lambda r: _one_sided(r, worst)) if rivals else None


def leads_alone(pairs, lead, worst=False):
    """Is `lead` shown better (worse) than each rival in pairwise(), each test at ALPHA unadjusted?"""
    row = deciding_test(pairs, lead, worst)
    return row is not None and _one_sided(row, worst) < ALPHA / 2


def representatives(same_at_k, strategies):
    """{strategy: the strategy that stands for its twins}: the first of the group in the strategy
    registry's order (top before param-variance), so a group is named as the paper names it."""
    return {s: min({s} | set(same_at_k.get(s, ())), key=registry_rank) for s in strategies}


def paired_ties(runs, model, worst=False, tasks=None):
    """{K: ranked()} for every K the model has pruned runs at."""
    ks = sorted(runs[(runs.model == model) & (runs.role == "pruned")].k.unique())
    return {int(k): ranked(runs, model, k, worst, tasks) for k in ks}


def agree(pooled, per_task):
    """The pooled verdict, unless a task's own verdict is its opposite: then inconclusive."""
    opposite = {CONFIRMED: CONTRADICTED, CONTRADICTED: CONFIRMED}.get(pooled)
    return INCONCLUSIVE if opposite in per_task.values() else pooled


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


def one_run_per_model(runs, model):
    """`runs` less the pruned runs of `model` whose strategy has a twin standing for it at that K
    (twins(), representatives()): in a pool of cells, one model counts once."""
    stand_ins = {(s, k) for k, same in twins(runs, model).items()
                 for s, rep in representatives(same, list(same)).items() if rep != s}
    cell = pd.Series(list(zip(runs.strategy, runs.k)), index=runs.index)
    return runs[~((runs.model == model) & (runs.role == "pruned") & cell.isin(stand_ins))]


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


def _tie(names, word="tie"):
    """'top', 'top and angular tie', 'top, angular and symmetric tie' (word: 'not shown apart')."""
    names = list(names)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]} {word}"


def _describe_ties(ties, gains, same=None, word="tie"):
    """'K=2: top and alternate-even tie, K=4: all 7 tie, K=6: top', naming the tied strategies
    that are one model (same: twins()); gains: any table with k and strategy columns."""
    counts, same = gains.groupby("k").strategy.nunique(), same or {}
    return ", ".join(f"K={k}: " + (f"all {len(t)} {word}" if len(t) == counts[k] > 2 else _tie(t, word))
                     + "".join(f" ({' and '.join(g)}: one model)" for g in one_model_groups(same.get(k, {}), t))
                     for k, t in ties.items())


def frontier(points, runs, size):
    """Which points (plots.variant_points()) lie on the score-against-`size` frontier: a point is
    off it only if a point no larger is shown better by a paired test over seeds (the same seed
    is the same data order; stats.paired_difference(), tasks weighed equally), Holm-adjusted over
    the no-larger points it is compared with. Ties, and differences not shown, stay on it."""
    return [not _beaten(points[(points[size] <= a[size]) & (points.index != i)], runs, a)
            for i, a in points.iterrows()]


def _beaten(rivals, runs, a):
    """Is any of `rivals` shown better than point `a` (paired, Holm over the rivals)?"""
    tests = [paired_difference(_variant_runs(runs, b), _variant_runs(runs, a)) for _, b in rivals.iterrows()]
    shown = holm([t["p"] for t in tests]) < ALPHA if tests else []
    return any(s and t["diff"] > 0 for s, t in zip(shown, tests))


def _variant_runs(runs, point):
    """The runs of one variant: its model and role, and for a pruned one its strategy and K."""
    d = runs[(runs.model == point.model) & (runs.role == point.role)]
    return d[(d.strategy == point.strategy) & (d.k == point.k)] if point.role == "pruned" else d


# ----------------------------------------------------------------------------- claims
def check_40_98(runs, floor, share=0.40, tolerance=0.05, keep=0.98):
    """At the K whose removed share of the parameters (embeddings and head included) is within
    5 points of 40%, on raw retention (pruned score / full score, the paper's measure; tasks
    weigh equally), paired by seed (each seed's pruned run over that seed's full model, a
    t-interval over the seeds): confirmed if some strategy's interval, widened for picking the best
    of the m distinct models at that K (Bonferroni: level 1 - 0.05/m), lies wholly at or above 98%;
    contradicted if every strategy's 95% interval lies wholly below 98% (a claim about all of
    them, so no widening); inconclusive otherwise; not testable if no K removes 35-45% of the
    parameters. The gain share is shown beside it, as the stricter view; it does not decide."""
    per, measured, key = {}, [], ""
    for m in models_of(runs, "pruned"):
        shares = param_share_removed(runs, m)
        k = min(shares, key=lambda k: abs(shares[k] - share)) if shares else None
        if k is None or abs(shares[k] - share) > tolerance:
            measured.append(f"{short(m)}: no K removes {100 * (share - tolerance):.0f}-"
                            f"{100 * (share + tolerance):.0f}% of its parameters")
            continue
        g = by_score(seed_kept(runs, floor, m, k), "retention")
        if g.empty:
            continue
        wide, n = best_of_intervals(runs, floor, m, k)
        per[m] = (CONFIRMED if (wide.retention_lo.fillna(-np.inf) >= keep).any() else
                  CONTRADICTED if (g.retention_hi.fillna(np.inf) < keep).all() else INCONCLUSIVE)
        best = g.iloc[0]
        key = (f"{best.strategy} K={k} ({100 * shares[k]:.1f}% removed) keeps "
               f"{pct(best.retention, best.retention_lo, best.retention_hi)} of the score"
               f"{widened(wide.loc[best.strategy], n)}")
        measured.append(f"{short(m)}, K={k} ({100 * shares[k]:.1f}% of parameters removed): {best.strategy} keeps "
                        f"{pct(best.retention, best.retention_lo, best.retention_hi)} of the score (raw retention, "
                        f"which decides){widened(wide.loc[best.strategy], n)} and "
                        f"{pct(best.gain, best.gain_lo, best.gain_hi)} of the gain (the stricter view)")
    v = combine("pruned_40_keeps_98", per, measured)
    if v:
        v.key = key
    return v or Verdict(
        "pruned_40_keeps_98", NOT_TESTABLE, "; ".join(measured) or "no pruned runs", "K",
        f"pruned runs at a K that removes about {100 * share:.0f}% of the parameters, with their baseline")


def best_of_intervals(runs, floor, model, k):
    """(seed_kept() at K indexed by strategy, with intervals widened for picking the best of the
    distinct models there (level 1 - 0.05/m, Bonferroni), m)."""
    at = runs[(runs.model == model) & (runs.role == "pruned") & (runs.k == k)]
    n = len(set(_representatives_at(at, model, k).values()))
    wide = seed_kept(runs, floor, model, k, level=1 - (1 - LEVEL) / n)
    return wide.set_index("strategy"), n


def widened(row, n):
    """' ([97.1, 103.1] as the best of 7)': the interval widened for picking the best of 7 models
    (best_of_intervals), or '' for one model or no interval."""
    if n < 2 or np.isnan(row.retention_lo):
        return ""
    if not np.isfinite(row.retention_lo):
        return f" (unbounded as the best of {n})"
    return f" ([{100 * row.retention_lo:.1f}, {100 * row.retention_hi:.1f}] as the best of {n})"


SEEDS_WHERE = ("with 3 or more seeds per cell (the colab profile runs 3 of top and bottom at every K, of the "
               "full models and of DistilBERT; the paper profile, one)")


def check_on_par(runs, floor, margin=0.02):
    """The pruned BERT with DistilBERT's depth by dropping its top layers (the paper's pruned
    6-layer model) against DistilBERT: the difference of their mean scores over the tasks both
    have, with its 95% interval. Confirmed if the interval lies within +-2 points, contradicted
    if it lies wholly outside them, inconclusive otherwise; not testable without a bert-base
    pruned from the top and a distilbert-base."""
    bert, ref = models_of(runs, "pruned", "bert"), models_of(runs, "reference", "distilbert")
    if not bert or not ref:
        return Verdict("on_par_with_distilbert", NOT_TESTABLE,
                       f"pruned: {', '.join(map(short, models_of(runs, 'pruned'))) or 'none'}; reference: "
                       f"{', '.join(map(short, models_of(runs, 'reference'))) or 'none'}", "models",
                       f"pruned runs of bert-base and runs of distilbert-base on the same tasks, {SEEDS_WHERE}")
    d = runs[runs.model.isin([bert[0], ref[0]])]
    r = d[d.role == "reference"]
    k = int(d[d.model == bert[0]].original_layers.iloc[0] - r.num_layers.iloc[0])
    p = d[(d.role == "pruned") & (d.k == k) & (d.strategy == "top")]
    tasks = sorted(set(p.task) & set(r.task))
    if not tasks:
        return Verdict("on_par_with_distilbert", NOT_TESTABLE, f"no {short(bert[0])} top K={k} runs on "
                       "DistilBERT's tasks", "K", f"pruned {short(bert[0])} top K={k} runs, DistilBERT's depth")
    diff, lo, hi = mean_difference(p[p.task.isin(tasks)], r[r.task.isin(tasks)])
    verdict = (CONFIRMED if lo >= -margin and hi <= margin else
               CONTRADICTED if lo > margin or hi < -margin else INCONCLUSIVE)
    size = p.params_total.mean() / r.params_total.mean()
    return Verdict("on_par_with_distilbert", verdict,
                   f"{short(bert[0])} top K={k} minus {short(ref[0])}: "
                   f"{100 * diff:+.1f} points [{100 * lo:+.1f}, {100 * hi:+.1f}] on {', '.join(tasks)}; "
                   f"{size:.2f}x its parameters")


def check_lower_critical(runs, floor):
    """By paired tests at every K that bottom has (see the module docstring): confirmed if bottom is
    worst alone at every K (each paired test shows it worse at 5%: an intersection-union test),
    contradicted if at some K another strategy is shown worse than bottom (Holm), inconclusive
    otherwise. The same test
    on each task alone gives the per-task verdicts; a task whose verdict is the pool's opposite
    makes it inconclusive. A strategy that dropped exactly bottom's layers is the same model."""
    return _check_extreme(runs, "lower_layers_critical", "bottom", worst=True)


def check_top_best(runs, floor):
    """By paired tests at every K that top has (see the module docstring): confirmed if top is best
    alone at every K (each paired test shows it better at 5%: an intersection-union test),
    contradicted if at some K another strategy is shown better than top (Holm), inconclusive
    otherwise. The same test on
    each task alone gives the per-task verdicts; a task whose verdict is the pool's opposite makes
    it inconclusive. A strategy that dropped exactly top's layers is the same model."""
    return _check_extreme(runs, "top_best", "top", worst=False)


def extreme_verdict(runs, model, strategy, worst=False, tasks=None):
    """(verdict, {K: ranked()}) for `strategy` being best (worst) at every K it has, on `tasks`
    (None: every task the strategies share); None if fewer than two strategies are there."""
    d = runs[(runs.model == model) & (runs.role == "pruned")]
    d = d[d.k.isin(d[d.strategy == strategy].k) & (d.task.isin(tasks) if tasks is not None else True)]
    if d.strategy.nunique() < 2 or strategy not in set(d.strategy):
        return None
    ties = paired_ties(d, model, worst, tasks)
    return _verdict_by_ties(ties, strategy, twins(d, model)), ties


def _check_extreme(runs, claim, strategy, worst):
    """check_top_best and check_lower_critical: pooled and per-task paired verdicts, per model."""
    per, measured, keys = {}, [], []
    for m in models_of(runs, "pruned"):
        pooled = extreme_verdict(runs, m, strategy, worst)
        if pooled is None:
            continue
        tasks = sorted(runs[(runs.model == m) & (runs.role == "pruned") & (runs.strategy == strategy)].task.unique())
        by_task = {t: v[0] for t in tasks if (v := extreme_verdict(runs, m, strategy, worst, [t])) is not None}
        per[m] = agree(pooled[0], by_task)
        word = "worst" if worst else "best"
        mine = runs[(runs.model == m) & (runs.role == "pruned")]
        measured.append(f"{short(m)}, {word}: {_describe_ties(pooled[1], mine, twins(mine, m), 'not shown apart')}"
                        "; per task: "
                        + ", ".join(f"{t} {v}" for t, v in by_task.items()))
        keys.append(_extreme_key(runs, m, strategy, pooled[1], worst))
    v = combine(claim, per, measured)
    if v is None:
        return Verdict(claim, NOT_TESTABLE, f"no pruned runs of {strategy} and another strategy", "models",
                       f"pruned runs of the {strategy} strategy and at least one other, with their baseline")
    v.key, v.per_task = "; ".join(keys), by_task if len(per) == 1 else {}
    return v


def _extreme_key(runs, model, strategy, ties, worst):
    """The test that decides whether `strategy` stands alone at every K (each must show it, at
    ALPHA): its paired difference from the rival, at the K, whose one-sided p is largest,
    'K=6, bottom - symmetric: -2.1 [-3.5, -0.7] points; p 0.018, weakest of 18 tests' (p is
    two-sided)."""
    tests = [(k, pairwise(runs, model, k, against=strategy)) for k in ties]
    found = [(k, row) for k, pairs in tests if (row := deciding_test(pairs, strategy, worst)) is not None]
    if not found:
        return ""
    k, row = max(found, key=lambda f: _one_sided(f[1], worst))
    count = sum(len(pairs) for _, pairs in tests)
    return (f"K={k}, {strategy} - {row.b}: {points(row['diff'], row.lo, row.hi)}; "
            f"p {p_text(row.p)}, weakest of {count} tests")


def p_text(p):
    """'< 0.001', '0.018'."""
    return "< 0.001" if p < 0.001 else f"{p:.2g}"


def points(x, lo, hi, unit=True):
    """'+3.3 [+1.6, +5.0] points' from fractions ('+3.3 points (no interval)' for one seed);
    unit=False leaves out the word points."""
    word = " points" if unit else ""
    if np.isnan(lo) or np.isnan(hi):
        return f"{100 * x:+.1f}{word} (no interval)"
    return f"{100 * x:+.1f} [{100 * lo:+.1f}, {100 * hi:+.1f}]{word}"


def robust_by_measure(runs, floor, model, robust=ROBUST_TASKS):
    """{"gain share": ..., "retention": ...}, each (pooled verdict, {robust task: its verdict},
    stats.kind_difference's intervals): the robust tasks' share less the others', on the gain
    share (the constant subtracted) and on raw retention (the paper's measure). None unless the
    model has pruned runs and a baseline on both kinds of task. Twins count once
    (one_run_per_model): a pool of cells is a pool of models."""
    out, runs = {}, one_run_per_model(runs, model)
    for measure, base in (("gain share", floor), ("retention", None)):
        diffs = kind_difference(runs, base, model, robust)
        if diffs is None:
            return None
        side = {t: interval_sign(*v) for t, v in diffs.items()}
        out[measure] = (side.pop("pooled"), side, diffs)
    return out


def every_task(pooled, per_task):
    """The pooled verdict only if every task shows it on its own, else inconclusive: for a claim
    about a kind of task, which one task of the kind cannot carry."""
    return pooled if all(v == pooled for v in per_task.values()) else INCONCLUSIVE


def both_measures(signs):
    """A task's verdict from its verdicts on the two measures: the side every one of them shows;
    else inconclusive. "Shown on both" holds only if each is, so the two tests need no correction
    (an intersection-union test); one measure alone would rest on the floor it counts from."""
    seen = set(signs)
    return seen.pop() if len(seen) == 1 and INCONCLUSIVE not in seen else INCONCLUSIVE


def check_robust_tasks(runs, floor, robust=ROBUST_TASKS):
    """The paraphrase and similarity tasks (MRPC, QQP, STS-B) against the others, on two measures,
    the gain share (the constant subtracted) and raw retention: each kind's share kept is the
    equal-weight mean of its tasks' shares over every strategy x K cell that all tasks have
    (paired by seed: each run against the full model of its seed). Confirmed if on both
    measures the pooled difference lies wholly above 0 and so does every paraphrase or
    similarity task's on its own; contradicted likewise below 0; inconclusive otherwise. The measures differ only in the floor they count
    from, so a verdict one of them does not show rests on the floor; and a claim about a kind of
    task needs each task of the kind. Not testable without tasks of both kinds."""
    per, measured, key, by_task = {}, [], "", {}
    for m in models_of(runs, "pruned"):
        both = robust_by_measure(runs, floor, m, robust)
        if both is None:
            continue
        (gain, gain_tasks, diffs), (ret, ret_tasks, ret_diffs) = both["gain share"], both["retention"]
        by_task = {t: both_measures([gain_tasks[t], ret_tasks[t]]) for t in gain_tasks}
        per[m] = every_task(gain if gain == ret else INCONCLUSIVE, by_task)
        groups = kept_by_kind(one_run_per_model(runs, m), floor, m, robust)
        r, o = groups.loc["robust"], groups.loc["other"]
        key = (f"({r.tasks}) - {o.tasks}, points: {points(*diffs['pooled'], unit=False)} of gain share, "
               f"{points(*ret_diffs['pooled'], unit=False)} of retention")
        measured.append(f"{short(m)}: {r.tasks} keep {pct(r.gain, r.gain_lo, r.gain_hi)} of the gain, "
                        f"{o.tasks} {pct(o.gain, o.gain_lo, o.gain_hi)} (tasks weigh equally, {r.cells} strategy x K "
                        "cells); per task, minus the others: " + "; ".join(
                            f"{t} {points(*diffs[t])} of gain share, {points(*ret_diffs[t])} of retention"
                            for t in by_task))
    v = combine("robust_tasks", per, measured)
    if v is None:
        return Verdict("robust_tasks", NOT_TESTABLE, f"tasks: {', '.join(sorted(runs.task.unique()))}", "tasks",
                       "pruned runs on a paraphrase or similarity task (MRPC, QQP, STS-B) and on another task")
    v.key, v.per_task = key, by_task if len(per) == 1 else {}
    return v


def interval_sign(diff, lo, hi):
    """Confirmed if an interval lies wholly above 0, contradicted if wholly below (NaN: unbounded)."""
    return CONFIRMED if lo > 0 else CONTRADICTED if hi < 0 else INCONCLUSIVE


def _pair(runs, claim, need):
    """(bert id, xlnet id) with pruned runs in the store, or a not-testable Verdict."""
    bert, xlnet = models_of(runs, "pruned", "bert"), models_of(runs, "pruned", "xlnet")
    if bert and xlnet:
        return bert[0], xlnet[0]
    present = ", ".join(map(short, models_of(runs, "pruned"))) or "none"
    return Verdict(claim, NOT_TESTABLE, f"pruned models in the store: {present}", "models", need)


NEED_PAIR = f"pruned runs of bert-base and xlnet-base-cased on the same tasks and K, {SEEDS_WHERE}"


def check_objective(runs, floor):
    """Confirmed if at some K the best strategies on BERT and on XLNet (each model's leader and
    those paired tests do not show apart from it, ranked()) have none in common, contradicted if
    at every K both have the same single best strategy, inconclusive otherwise; not testable
    without pruned runs of a bert-base and the xlnet-base."""
    pair = _pair(runs, "objective_matters", NEED_PAIR)
    if isinstance(pair, Verdict):
        return pair
    ties = [paired_ties(runs, m) for m in pair]
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
    """XLNet's gain share for top at the largest K both models have, less BERT's (the mean over
    their common tasks, stats.gain_difference): confirmed if the difference's interval lies wholly
    above 0, contradicted if wholly below, inconclusive otherwise; not testable without pruned
    runs of a bert-base and the xlnet-base."""
    pair = _pair(runs, "xlnet_robust_top", NEED_PAIR)
    if isinstance(pair, Verdict):
        return pair
    top = [strategy_gains(runs, floor, m).query("strategy == 'top'").set_index("k") for m in pair]
    ks = sorted(set(top[0].index) & set(top[1].index))
    if not ks:
        return Verdict("xlnet_robust_top", NOT_TESTABLE, "no K with top runs of both", "K", NEED_PAIR)
    b, x = (t.loc[ks[-1]] for t in top)
    diff = gain_difference(runs, floor, pair[1], pair[0], "top", ks[-1])
    return Verdict("xlnet_robust_top", interval_sign(*diff), f"top K={ks[-1]}: {short(pair[1])} keeps "
                   f"{pct(x.gain, x.gain_lo, x.gain_hi)} of the gain, {short(pair[0])} {pct(b.gain, b.gain_lo, b.gain_hi)}; "
                   f"difference {points(*diff)} of gain share")


CHECKS = {"pruned_40_keeps_98": check_40_98, "on_par_with_distilbert": check_on_par,
          "lower_layers_critical": check_lower_critical, "robust_tasks": check_robust_tasks,
          "objective_matters": check_objective, "xlnet_robust_top": check_xlnet_top, "top_best": check_top_best}


def all_claims(runs, floor):
    """{claim key: Verdict} for every claim, on `runs` (the tasks the verdicts may use)."""
    return {key: check(runs, floor) for key, check in CHECKS.items()}
