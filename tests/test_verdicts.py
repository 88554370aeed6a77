"""The verdict rule (poorman.book.verdicts) on constructed stores with known answers."""

import numpy as np
import pandas as pd
import pytest

from poorman.book import plots, stats, verdicts
from poorman.book.verdicts import CONFIRMED, CONTRADICTED, INCONCLUSIVE, NOT_TESTABLE

STRATEGIES = ("top", "bottom", "alternate-even", "symmetric")
FLOOR = {"sst2": 0.5, "mrpc": 0.7, "stsb": 0.0, "rte": 0.5}


def make_runs(drops, model="m", tasks=("sst2",), ks=(2, 4, 6), base=0.9, noise=0.0005, layers=12,
              seeds=(42, 43, 44), task_drop=None, role="pruned"):
    """A store: the baseline scores `base` (+- noise over seeds); a pruned cell scores base minus
    drops[(strategy, k)] (or drops[strategy]; default 0.1), minus task_drop[task]."""
    rows, wobble = [], dict(zip(seeds, np.linspace(-noise, noise, len(seeds))))
    per_layer = 7.0   # parameters (M) per layer; 21 M of embeddings and head
    for task in tasks:
        b = base if isinstance(base, float) else base[task]
        for seed in seeds:
            rows.append(dict(model=model, role="baseline", strategy="none", k=0, task=task, seed=seed,
                             score=b + wobble[seed], params_total=(21 + per_layer * layers) * 1e6,
                             num_layers=layers, original_layers=layers, latency_ms=10.0 * layers))
            for s in STRATEGIES:
                for k in ks:
                    d = drops.get((s, k), drops.get(s, 0.1)) + (task_drop or {}).get(task, 0.0)
                    rows.append(dict(model=model, role=role, strategy=s, k=k, task=task, seed=seed,
                                     score=b - d + wobble[seed], params_total=(21 + per_layer * (layers - k)) * 1e6,
                                     num_layers=layers - k, original_layers=layers, latency_ms=10.0 * (layers - k)))
    return pd.DataFrame(rows)


def reference(model, score, tasks=("sst2",), layers=6, params=66e6, noise=0.0005):
    return pd.DataFrame([dict(model=model, role="reference", strategy="none", k=0, task=t, seed=s,
                              score=score + d, params_total=params, num_layers=layers, original_layers=layers)
                         for t in tasks for s, d in zip((42, 43, 44), (-noise, 0, noise))])


# ----------------------------------------------------------------------------- claims
def test_top_best():
    assert verdicts.check_top_best(make_runs({"top": 0.0}), FLOOR).verdict == CONFIRMED
    assert verdicts.check_top_best(make_runs({"top": 0.0, ("symmetric", 6): 0.0}), FLOOR).verdict == INCONCLUSIVE
    assert verdicts.check_top_best(make_runs({"top": 0.05, ("alternate-even", 4): 0.0}), FLOOR).verdict == CONTRADICTED


def test_a_strategy_that_dropped_the_same_layers_is_not_a_rival():
    runs = make_runs({"top": 0.0, ("symmetric", 6): 0.0})
    runs["dropped"] = [tuple(range(12 - r.k, 12)) if r.strategy == "top" or (r.strategy, r.k) == ("symmetric", 6)
                       else (r.strategy, r.k) for r in runs.itertuples()]
    assert verdicts.twins(runs, "m")[6]["top"] == {"symmetric"}
    assert verdicts.check_top_best(runs, FLOOR).verdict == CONFIRMED   # one model at K=6, best alone
    assert "(symmetric and top: one model)" in verdicts.check_top_best(runs, FLOOR).measured
    for i in runs.index[(runs.strategy == "symmetric") & (runs.seed == 44)]:
        runs.at[i, "dropped"] = (0,)
    assert verdicts.check_top_best(runs, FLOOR).verdict == INCONCLUSIVE  # not the same in every run


def test_top_best_without_seeds_is_inconclusive():
    runs = make_runs({"top": 0.0}, seeds=(42,))
    assert verdicts.check_top_best(runs, FLOOR).verdict == INCONCLUSIVE


def test_lower_layers_critical():
    assert verdicts.check_lower_critical(make_runs({"bottom": 0.3}), FLOOR).verdict == CONFIRMED
    assert verdicts.check_lower_critical(make_runs({"bottom": 0.3, ("top", 2): 0.3}), FLOOR).verdict == INCONCLUSIVE
    assert verdicts.check_lower_critical(make_runs({"bottom": 0.05, ("top", 4): 0.3}), FLOOR).verdict == CONTRADICTED


def test_forty_percent_compares_parameter_shares():
    # 12 layers of 7 M plus 21 M: K=6 removes 42 of 105 M = 40%, K=4 26.7%
    runs = make_runs({"top": 0.0})
    assert verdicts.param_share_removed(runs, "m")[6] == pytest.approx(0.40)
    v = verdicts.check_40_98(runs, FLOOR)
    assert v.verdict == CONFIRMED and "K=6" in v.measured
    assert "raw retention, which decides" in v.measured and "of the gain (the stricter view)" in v.measured
    assert v.key.startswith("top K=6 (40.0% removed) keeps 100.0%")
    assert verdicts.check_40_98(make_runs({}), FLOOR).verdict == CONTRADICTED          # every strategy keeps 89%
    assert verdicts.check_40_98(make_runs({"top": 0.018}, noise=0.01), FLOOR).verdict == INCONCLUSIVE


def test_forty_percent_is_judged_on_raw_retention_not_the_gain_share():
    # the full model gains 0.3 over a 0.6 constant; top keeps 0.885: 98.3% of the score, 95% of the gain
    runs = make_runs({"top": 0.015}, base=0.9, noise=0.0005)
    v = verdicts.check_40_98(runs, {"sst2": 0.6})
    assert v.verdict == CONFIRMED and "95.0% [" in v.measured


def with_own_noise(runs, strategy, k, by_seed):
    """`runs` with the pruned cell's scores moved by by_seed[seed]: noise its full model lacks."""
    cell = (runs.strategy == strategy) & (runs.k == k)
    return runs.assign(score=runs.score + np.where(cell, runs.seed.map(by_seed), 0.0))


def test_forty_percent_widens_the_interval_for_picking_the_best_strategy():
    # top keeps 98.7%: its 95% interval clears 98%, but not once widened for the best of 4 strategies
    runs = with_own_noise(make_runs({"top": 0.012}), "top", 6, {42: 0.0015, 43: -0.0015, 44: 0.0})
    g = stats.seed_kept(runs, FLOOR, "m", 6).set_index("strategy")
    wide, n = verdicts.best_of_intervals(runs, FLOOR, "m", 6)
    assert n == 4 and g.retention_lo["top"] >= 0.98 > wide.retention_lo["top"]
    v = verdicts.check_40_98(runs, FLOOR)
    assert v.verdict == INCONCLUSIVE and "] as the best of 4)" in v.key
    assert verdicts.check_40_98(make_runs({"top": 0.012}, noise=0.0005), FLOOR).verdict == CONFIRMED


def test_forty_percent_pairs_each_pruned_run_with_its_own_seeds_full_model():
    # a seed that lifts the full model lifts its pruned run as much: unpaired, the spread of the
    # seeds hides the 98.7% kept; paired, each seed keeps 98.6-98.7%
    runs = make_runs({"top": 0.012}, noise=0.02)
    unpaired = verdicts.strategy_gains(runs, FLOOR, "m").query("k == 6 and strategy == 'top'").iloc[0]
    paired = stats.seed_kept(runs, FLOOR, "m", 6).set_index("strategy").loc["top"]
    assert unpaired.retention_lo < 0.98 <= paired.retention_lo and paired.seeds == 3
    assert verdicts.check_40_98(runs, FLOOR).verdict == CONFIRMED
    assert np.isnan(stats.seed_kept(make_runs({"top": 0.0}, seeds=(42,)), FLOOR, "m", 6).retention_lo).all()


def test_forty_percent_needs_a_k_that_removes_forty_percent():
    v = verdicts.check_40_98(make_runs({"top": 0.0}, ks=(2,)), FLOOR)
    assert v.verdict == NOT_TESTABLE and v.missing == "K" and "40%" in v.need


def test_on_par_is_not_testable_with_stand_ins():
    runs = pd.concat([make_runs({}, model="sentence-transformers/all-mpnet-base-v2"),
                      reference("sentence-transformers/all-MiniLM-L6-v2", 0.8)])
    v = verdicts.check_on_par(runs, FLOOR)
    assert v.verdict == NOT_TESTABLE and v.label == "not testable with these models"
    assert "bert-base" in v.need and "distilbert" in v.need


def test_on_par_with_the_papers_models():
    bert = make_runs({"top": 0.02}, model="bert-base-uncased")              # top K=6 scores 0.88
    assert verdicts.check_on_par(pd.concat([bert, reference("distilbert-base-uncased", 0.875)]),
                                 FLOOR).verdict == CONFIRMED
    assert verdicts.check_on_par(pd.concat([bert, reference("distilbert-base-uncased", 0.80)]),
                                 FLOOR).verdict == CONTRADICTED


def test_on_par_compares_the_top_dropped_bert_not_the_best_strategy():
    bert = make_runs({"top": 0.1, "symmetric": 0.0}, model="bert-base-uncased")   # symmetric K=6 would match
    v = verdicts.check_on_par(pd.concat([bert, reference("distilbert-base-uncased", 0.9)]), FLOOR)
    assert v.verdict == CONTRADICTED and v.measured.startswith("bert-base-uncased top K=6 minus")


def test_a_paired_difference_that_overlapping_intervals_miss_names_the_best():
    # every seed moves all strategies alike by +-5 points: the intervals overlap, the paired differences do not
    runs = make_runs({"top": 0.0, "alternate-even": 0.02, "symmetric": 0.03}, noise=0.05)
    g = verdicts.strategy_gains(runs, FLOOR, "m").query("k == 6").set_index("strategy")
    assert stats.overlaps(g.gain_lo["top"], g.gain_hi["top"], g.gain_lo["alternate-even"], g.gain_hi["alternate-even"])
    assert verdicts.ranked(runs, "m", 6) == ["top"]
    assert verdicts.check_top_best(runs, FLOOR).verdict == CONFIRMED
    assert "points; p < 0.001, weakest of 9 tests" in verdicts.check_top_best(runs, FLOOR).key


def holm_store(rivals):
    """top beats each rival by 2 points with a seed-to-seed wobble of the difference: raw p about 0.03."""
    rows = []
    for seed, e in zip((42, 43, 44), (0.0, 0.004, -0.004)):
        rows.append(dict(model="m", role="pruned", strategy="top", k=6, task="sst2", seed=seed, score=0.9 + e))
        rows += [dict(model="m", role="pruned", strategy=r, k=6, task="sst2", seed=seed, score=0.88 - e) for r in rivals]
    return pd.DataFrame(rows)


def test_alone_needs_each_test_at_5_percent_while_shown_apart_is_holm_adjusted():
    one = verdicts.pairwise(holm_store(["angular"]), "m", 6, against="top")
    assert 0.01 < one.p.iloc[0] < 0.05 and one.shown.iloc[0]
    assert verdicts.ranked(holm_store(["angular"]), "m", 6) == ["top"]
    three = verdicts.pairwise(holm_store(["angular", "symmetric", "contribution"]), "m", 6, against="top")
    assert three.p_holm.tolist() == pytest.approx([min(1, 3 * p) for p in three.p])   # equal p: all multiplied by 3
    assert not three.shown.any()
    # "top beats every rival" is true only if each comparison is: an intersection-union test needs no correction
    assert verdicts.ranked(holm_store(["angular", "symmetric", "contribution"]), "m", 6) == ["top"]
    assert verdicts.check_top_best(holm_store(["angular", "symmetric", "contribution"]), FLOOR).verdict == CONFIRMED


def test_one_rival_not_shown_apart_names_those_holm_does_not_separate():
    runs = holm_store(["angular", "symmetric"])
    close = runs.strategy == "symmetric"   # 1 point behind top, with seeds that scatter: p far above 5%
    runs.loc[close, "score"] = 0.89 + runs.loc[close, "seed"].map({42: 0.01, 43: -0.01, 44: 0.0})
    pairs = verdicts.pairwise(runs, "m", 6, against="top")
    assert not verdicts.leads_alone(pairs, "top")
    assert verdicts.ranked(runs, "m", 6) == ["top", "symmetric", "angular"]   # Holm separates neither rival
    key = verdicts.check_top_best(runs, FLOOR).key
    assert key.startswith("K=6, top - symmetric: +1.0 [") and "weakest of 2 tests" in key


def test_twins_are_one_comparison_in_the_holm_family():
    one = holm_store(["angular"])
    twin = one[one.strategy == "angular"].assign(strategy="symmetric")   # the same layers: one model
    runs = pd.concat([one, twin], ignore_index=True)
    runs["dropped"] = [(10, 11) if s == "top" else (4, 5) for s in runs.strategy]
    family = verdicts.pairwise(runs, "m", 6, against="top")
    assert len(family) == 1 and family.shown.iloc[0]   # one test, not two each taxed by Holm
    assert verdicts.ranked(runs, "m", 6) == ["top"]                 # the twin shares angular's test


def test_tasks_pointing_opposite_ways_make_a_verdict_inconclusive():
    assert verdicts.agree(CONFIRMED, {"sst2": CONFIRMED, "rte": INCONCLUSIVE}) == CONFIRMED
    assert verdicts.agree(CONFIRMED, {"sst2": CONFIRMED, "rte": CONTRADICTED}) == INCONCLUSIVE
    v = verdicts.check_top_best(make_runs({"top": 0.0}, tasks=("sst2", "rte"), task_drop=None), FLOOR)
    assert v.per_task == {"rte": CONFIRMED, "sst2": CONFIRMED}


def test_a_pool_dominated_by_one_task_is_not_decided_by_it():
    # STS-B (floor 0, gain 0.9) keeps all its gain, MRPC (floor 0.7, gain 0.04) none, SST-2 keeps 90%.
    base = {"stsb": 0.9, "mrpc": 0.74, "sst2": 0.9}
    runs = make_runs({s: 0.0 for s in STRATEGIES}, tasks=("stsb", "mrpc", "sst2"), base=base,
                     task_drop={"mrpc": 0.04, "sst2": 0.04})
    ratio_of_sums = (0.9 + 0.7 - 0.7) / (0.9 + 0.04)     # 96% of the pooled gain: STS-B would decide
    assert ratio_of_sums > 0.9
    v = verdicts.check_robust_tasks(runs, FLOOR)
    assert v.per_task == {"mrpc": CONTRADICTED, "stsb": CONFIRMED}
    assert v.verdict == INCONCLUSIVE and "(mrpc, stsb) - sst2, points: -40.0 [" in v.key


def test_robust_tasks():
    tasks = ("sst2", "mrpc")
    base, small = {"sst2": 0.9, "mrpc": 0.9}, {s: 0.02 for s in STRATEGIES}
    kept_mrpc = make_runs(small, tasks=tasks, base=base, task_drop={"sst2": 0.1})   # 90% of the gain vs 70%
    assert verdicts.check_robust_tasks(kept_mrpc, FLOOR).verdict == CONFIRMED
    lost_mrpc = make_runs(small, tasks=tasks, base=base, task_drop={"mrpc": 0.1})   # 40% vs 95%
    assert verdicts.check_robust_tasks(lost_mrpc, FLOOR).verdict == CONTRADICTED
    v = verdicts.check_robust_tasks(make_runs({}, tasks=("sst2",)), FLOOR)
    assert v.verdict == NOT_TESTABLE and v.missing == "tasks"


def test_a_task_shows_a_side_only_if_both_measures_show_it():
    assert verdicts.both_measures([CONTRADICTED, CONTRADICTED]) == CONTRADICTED
    assert verdicts.both_measures([CONTRADICTED, INCONCLUSIVE]) == INCONCLUSIVE
    assert verdicts.both_measures([CONTRADICTED, CONFIRMED]) == INCONCLUSIVE
    assert verdicts.both_measures([INCONCLUSIVE, INCONCLUSIVE]) == INCONCLUSIVE


def test_robust_tasks_each_losing_more_on_one_measure_only_leave_the_claim_inconclusive():
    # MRPC (floor 0.7) loses more of its gain than SST-2, less of its score; STS-B (floor 0) more of
    # its score, and of its gain only as much as SST-2 (whose floor is 0.5)
    runs = make_runs({s: 0.0 for s in STRATEGIES}, tasks=("sst2", "mrpc", "stsb"), noise=0.002,
                     base={"sst2": 0.9, "mrpc": 0.8, "stsb": 0.9}, task_drop={"sst2": 0.04, "mrpc": 0.0355, "stsb": 0.09})
    both = verdicts.robust_by_measure(runs, FLOOR, "m")
    assert both["gain share"][1] == {"mrpc": CONTRADICTED, "stsb": INCONCLUSIVE}
    assert both["retention"][1] == {"mrpc": CONFIRMED, "stsb": CONTRADICTED}
    v = verdicts.check_robust_tasks(runs, FLOOR)
    assert v.verdict == INCONCLUSIVE and v.per_task == {"mrpc": INCONCLUSIVE, "stsb": INCONCLUSIVE}


def test_kinds_of_task_are_compared_seed_by_seed_not_as_independent_cells():
    # a seed moves every pruned MRPC run alike: 8 strategy x K cells share it, so they are not 8 draws
    runs = make_runs({s: 0.02 for s in STRATEGIES}, tasks=("sst2", "mrpc"), ks=(2, 4), noise=0.0,
                     base={"sst2": 0.9, "mrpc": 0.9})
    seed_move = {42: 0.03, 43: -0.04, 44: 0.02}
    mrpc = (runs.task == "mrpc") & (runs.role == "pruned")
    runs.loc[mrpc, "score"] += runs.loc[mrpc, "seed"].map(seed_move)
    diff, lo, hi = stats.kind_difference(runs, None, "m", ("mrpc",))["pooled"]
    spread = pd.Series(seed_move) / 0.9    # the difference of retention each seed gives
    assert diff == pytest.approx(spread.mean()) and lo < 0 < hi
    assert hi - lo == pytest.approx(2 * 4.303 * spread.std() / 3 ** 0.5, rel=1e-3)   # t(2), three seeds
    kinds = stats.kept_by_kind(runs, FLOOR, "m", ("mrpc",))   # each kind's own share, by the same seeds
    retained = 1 - 0.02 / 0.9 + spread
    assert kinds.loc["robust", "retention"] == pytest.approx(retained.mean()) and kinds.loc["robust", "cells"] == 8
    assert kinds.loc["robust", "retention_hi"] - kinds.loc["robust", "retention_lo"] == pytest.approx(hi - lo)


def test_a_kind_of_task_needs_every_task_of_the_kind_to_show_it():
    assert verdicts.every_task(CONTRADICTED, {"mrpc": CONTRADICTED, "stsb": CONTRADICTED}) == CONTRADICTED
    assert verdicts.every_task(CONTRADICTED, {"mrpc": CONTRADICTED, "stsb": INCONCLUSIVE}) == INCONCLUSIVE


def test_robust_tasks_needs_the_gain_share_and_retention_to_agree():
    # MRPC (floor 0.7) keeps 70% of its gain against SST-2's 90%, but 96.2% of its score against 95.6%
    runs = make_runs({s: 0.0 for s in STRATEGIES}, tasks=("sst2", "mrpc"), base={"sst2": 0.9, "mrpc": 0.8},
                     task_drop={"sst2": 0.04, "mrpc": 0.03})
    both = verdicts.robust_by_measure(runs, FLOOR, "m")
    assert both["gain share"][0] == CONTRADICTED and both["retention"][0] == CONFIRMED
    v = verdicts.check_robust_tasks(runs, FLOOR)
    assert v.verdict == INCONCLUSIVE and "of gain share, +0.7 [" in v.key and v.key.endswith("of retention")


def pair(bert_drops, xlnet_drops):
    return pd.concat([make_runs(bert_drops, model="bert-base-uncased"), make_runs(xlnet_drops, model="xlnet-base-cased")])


def test_objective_and_xlnet_top_are_not_testable_without_bert_and_xlnet():
    runs = make_runs({"top": 0.0}, model="sentence-transformers/all-mpnet-base-v2")
    for check in (verdicts.check_objective, verdicts.check_xlnet_top):
        v = check(runs, FLOOR)
        assert v.label == "not testable with these models" and "xlnet-base-cased" in v.need


def test_objective_changes_the_pattern():
    assert verdicts.check_objective(pair({"top": 0.0}, {"symmetric": 0.0}), FLOOR).verdict == CONFIRMED
    assert verdicts.check_objective(pair({"top": 0.0}, {"top": 0.0}), FLOOR).verdict == CONTRADICTED
    assert verdicts.check_objective(pair({"top": 0.0, "symmetric": 0.0}, {"top": 0.0}), FLOOR).verdict == INCONCLUSIVE


def test_xlnet_more_robust_to_dropping_top():
    assert verdicts.check_xlnet_top(pair({"top": 0.1}, {"top": 0.02}), FLOOR).verdict == CONFIRMED
    assert verdicts.check_xlnet_top(pair({"top": 0.02}, {"top": 0.1}), FLOOR).verdict == CONTRADICTED
    assert verdicts.check_xlnet_top(pair({"top": 0.02}, {"top": 0.02}), FLOOR).verdict == INCONCLUSIVE


def test_xlnet_top_tests_the_difference_where_intervals_overlap():
    # 3 seeds each; XLNet keeps 4 points more of the gain. The two 95% intervals overlap, but the
    # interval of the difference (Welch-Satterthwaite) lies above 0.
    runs = pair({"top": 0.10}, {"top": 0.06})
    for model, shift in (("bert-base-uncased", 0.0), ("xlnet-base-cased", 0.0)):
        top = (runs.model == model) & (runs.strategy == "top") & (runs.k == 6)
        runs.loc[top, "score"] += runs.loc[top, "seed"].map({42: -0.012, 43: 0.012, 44: 0.0}) + shift
    gains = {m: verdicts.strategy_gains(runs, FLOOR, m).query("strategy == 'top' and k == 6").iloc[0]
             for m in ("bert-base-uncased", "xlnet-base-cased")}
    b, x = gains["bert-base-uncased"], gains["xlnet-base-cased"]
    assert x.gain_lo < b.gain_hi   # the intervals overlap
    v = verdicts.check_xlnet_top(runs, FLOOR)
    assert v.verdict == CONFIRMED and "difference +10.0 [" in v.measured


def test_a_claim_is_contradicted_if_any_model_contradicts_it():
    runs = pd.concat([make_runs({"top": 0.0}, model="a"), make_runs({"top": 0.05, "bottom": 0.0}, model="b")])
    assert verdicts.check_top_best(runs, FLOOR).verdict == CONTRADICTED


def test_family_reads_the_model_id():
    assert verdicts.family("bert-base-uncased") == "bert"
    assert verdicts.family("google-bert/bert-base-cased") == "bert"
    assert verdicts.family("distilbert-base-uncased") == "distilbert"
    assert verdicts.family("xlnet-base-cased") == "xlnet"
    assert verdicts.family("tiny-random/bert") is None
    assert verdicts.family("sentence-transformers/all-mpnet-base-v2") is None


def test_frontier_drops_a_point_a_no_larger_one_beats_in_paired_tests_though_intervals_overlap():
    # every seed moves all variants alike by +-5 points: the intervals overlap, the paired differences do not
    runs = make_runs({"top": 0.0, "alternate-even": 0.02, "symmetric": 0.02, "bottom": 0.3}, ks=(2, 6), noise=0.05)
    points = plots.variant_points(runs, None, "m", None, ["sst2"])
    assert all(stats.overlaps(p.lo, p.hi, q.lo, q.hi) for p in points.itertuples() for q in points.itertuples()
               if "bottom" not in p.variant + q.variant)
    on = dict(zip(points.variant, verdicts.frontier(points, runs, "params_m")))
    assert {v for v, kept in on.items() if kept} == {"m (full)", "top K=2", "top K=6"}   # ties stay on it


def test_frontier_keeps_a_point_no_paired_test_shows_beaten():
    runs = make_runs({"top": 0.0, "alternate-even": 0.02}, ks=(2, 6), noise=0.05)
    wobble = runs.strategy.eq("alternate-even") * runs.seed.map({42: 0.04, 43: -0.05, 44: 0.03})
    runs = runs.assign(score=runs.score + wobble)   # alternate-even's differences vary: not shown apart
    points = plots.variant_points(runs, None, "m", None, ["sst2"])
    on = dict(zip(points.variant, verdicts.frontier(points, runs, "params_m")))
    assert on["alternate-even K=2"] and on["alternate-even K=6"] and not on["symmetric K=2"]


def test_every_claim_gets_a_verdict():
    found = verdicts.all_claims(make_runs({"top": 0.0}), FLOOR)
    assert set(found) == set(verdicts.CHECKS)
    assert all(v.verdict in (CONFIRMED, CONTRADICTED, INCONCLUSIVE, NOT_TESTABLE) for v in found.values())


def test_ties_are_named_in_words_not_with_an_equals_sign():
    assert verdicts._tie(["top"]) == "top"
    assert verdicts._tie(["top", "angular"]) == "top and angular tie"
    assert verdicts._tie(["top", "angular", "symmetric"]) == "top, angular and symmetric tie"


def test_strategies_that_are_one_model_on_some_tasks_only_are_named_with_those_tasks():
    runs = make_runs({"top": 0.0}, tasks=("sst2", "stsb"))
    tasks = sorted(set(runs.task))
    assert len(tasks) > 1
    same_on = tasks[:1]   # symmetric drops top's layers at K=6 on the first task only
    runs["dropped"] = [tuple(range(12 - r.k, 12)) if r.strategy == "top" or
                       ((r.strategy, r.k) == ("symmetric", 6) and r.task in same_on) else (r.strategy, r.k, r.task)
                       for r in runs.itertuples()]
    assert verdicts.twins(runs, "m")[6]["top"] == set()   # not one model on every task
    assert verdicts.twins_on_some_tasks(runs, "m")[6] == [("symmetric", "top", same_on)]
    assert verdicts.twins_on_some_tasks(runs, "m")[4] == []


def test_a_twin_counts_once_in_the_pool_of_the_robust_tasks_claim():
    runs = make_runs({"top": 0.0, "bottom": 0.2}, tasks=("sst2", "mrpc"), base={"sst2": 0.9, "mrpc": 0.9},
                     task_drop={"mrpc": 0.05})
    runs["dropped"] = [(r.strategy, r.k) for r in runs.itertuples()]
    twin = runs[runs.strategy == "top"].assign(strategy="param-variance")   # top's layers again, by another name
    doubled = pd.concat([runs, twin], ignore_index=True)
    assert len(verdicts.one_run_per_model(doubled, "m")) == len(runs)
    once = verdicts.robust_by_measure(runs, FLOOR, "m", ("mrpc",))
    assert verdicts.robust_by_measure(doubled, FLOOR, "m", ("mrpc",)) == once
    assert stats.kind_difference(doubled, FLOOR, "m", ("mrpc",)) != stats.kind_difference(runs, FLOOR, "m", ("mrpc",))
