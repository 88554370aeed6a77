"""Chapter 1's and the claims page's findings (poorman.book.findings) on constructed stores."""

import pandas as pd

from poorman.book import findings
from poorman.book.verdicts import CONFIRMED, CONTRADICTED, INCONCLUSIVE, NOT_TESTABLE

from test_verdicts import FLOOR, make_runs, with_own_noise

CLEAR = {"top": 0.0, "alternate-even": 0.03, "symmetric": 0.05, "bottom": 0.3}


def all_of(runs, floor=FLOOR, model="m"):
    """Every finding of chapter 1 on `runs`, and the claims page's findings and table."""
    out = {f.__name__: f(runs, floor, model) for f in (findings.kept_performance, findings.best_strategy,
                                                       findings.lower_layers, findings.forty_percent,
                                                       findings.robust_tasks, findings.failed_runs)}
    out["twins"] = findings.twin_strategies(runs, model)
    out["claims"] = findings.claim_findings(runs, floor)
    out["table"] = findings.claims_table(out["claims"])
    return out


def with_dropped(runs, same_as=None):
    """Add the layers each run dropped: top the last K, bottom the first K, the others their own;
    same_as: {strategy: strategy whose layers it dropped} (angular picking bottom's block)."""
    layers = {"top": lambda k: tuple(range(12 - k, 12)), "bottom": lambda k: tuple(range(k))}
    def drop(r):
        s = (same_as or {}).get(r.strategy, r.strategy)
        return layers[s](r.k) if s in layers else tuple(range(3, 3 + r.k)) if s == "symmetric" else tuple(range(1, 12, 2))[:r.k]
    return runs.assign(dropped=[drop(r) if r.role == "pruned" else () for r in runs.itertuples()])


def test_a_clear_store_reads_plainly():
    f = all_of(with_dropped(make_runs(CLEAR, tasks=("sst2", "mrpc"), base={"sst2": 0.9, "mrpc": 0.85})))
    assert f["best_strategy"].sentence.startswith("**top** is best at every K")
    assert f["lower_layers"].verdict == CONFIRMED and "worst choice at every K" in f["lower_layers"].sentence
    assert f["forty_percent"].verdict == CONFIRMED and "wholly above the paper's 98%" in f["forty_percent"].sentence
    assert f["failed_runs"].sentence.endswith("bottom K=6 on mrpc every seed failed.")   # 0.3 below an 0.85 full model
    assert f["twins"].sentence.startswith("No two strategies")
    assert f["claims"]["top_best"].verdict == CONFIRMED and f["claims"]["top_best"].caveat.startswith("best alone at every K")
    assert ('<b>confirmed</b>: <a href="01_strategies.html#which-strategy-is-best">Dropping the top layers works best</a>'
            in f["table"].data)
    note = findings.claims_table(f["claims"], note="The store `results/x` holds **3 of 4 runs**").data
    assert "<caption" in note and "<code>results/x</code> holds <b>3 of 4 runs</b>" in note
    assert f["table"].data.count("<tr>") == 1 + len(f["claims"])


def test_a_finding_shows_as_its_sentence():
    f = findings.best_strategy(make_runs(CLEAR), FLOOR, "m")
    assert f._repr_markdown_() == f.sentence == str(f)


def test_one_seed_names_no_best_and_decides_nothing():
    f = all_of(make_runs(CLEAR, seeds=(42,)))
    assert f["best_strategy"].sentence.startswith("With one seed per cell there is no paired test")
    assert f["lower_layers"].verdict == INCONCLUSIVE and "never single it out" in f["lower_layers"].sentence
    assert f["forty_percent"].verdict == INCONCLUSIVE and "one seed per cell" in f["forty_percent"].sentence


def test_a_failed_baseline_leaves_no_gain_and_does_not_crash():
    runs = make_runs(CLEAR, tasks=("sst2", "mrpc"), base={"sst2": 0.5, "mrpc": 0.9})   # sst2's full model at the constant
    f = all_of(runs)
    assert "the full model on sst2" in f["failed_runs"].sentence
    assert f["robust_tasks"].verdict in (INCONCLUSIVE, CONFIRMED, CONTRADICTED)
    assert "undefined" in f["robust_tasks"].sentence or "inf" in f["robust_tasks"].sentence


def test_twins_are_one_model_in_the_sentence_and_the_ranking():
    runs = with_dropped(make_runs({**CLEAR, "symmetric": 0.0}), same_as={"symmetric": "top"})
    f = all_of(runs)
    assert f["twins"].sentence.startswith("At K=2, 4 and 6, symmetric and top dropped the same layers")
    assert f["best_strategy"].sentence.startswith("**top** is best at every K")   # its twin is no rival


def test_angular_picking_the_bottom_block_is_one_model_with_bottom():
    runs = make_runs(CLEAR)
    runs = pd.concat([runs, runs[runs.strategy == "bottom"].assign(strategy="angular")], ignore_index=True)
    f = all_of(with_dropped(runs, same_as={"angular": "bottom"}))
    assert f["lower_layers"].verdict == CONFIRMED
    assert "angular and bottom dropped the same layers" in f["twins"].sentence


def test_a_pool_dominated_by_one_task_is_read_task_by_task():
    base = {"stsb": 0.9, "mrpc": 0.74, "sst2": 0.9}   # STS-B keeps all its gain, MRPC none, SST-2 90%
    runs = make_runs({s: 0.0 for s in CLEAR}, tasks=("stsb", "mrpc", "sst2"), base=base,
                     task_drop={"mrpc": 0.04, "sst2": 0.04})
    f = findings.robust_tasks(runs, FLOOR, "m")
    assert f.verdict == INCONCLUSIVE
    assert f.sentence.startswith("The tasks point opposite ways: stsb loses less than sst2, mrpc more")
    assert f.caveat.startswith("vs sst2 (gain share / retention): mrpc -90.0 [")


def test_not_testable_claims_say_what_would_test_them():
    f = findings.claim_findings(make_runs(CLEAR, ks=(2,)), FLOOR)
    assert f["pruned_40_keeps_98"].verdict == NOT_TESTABLE
    assert f["on_par_with_distilbert"].caveat.startswith("needs bert-base and DistilBERT")


def test_a_kind_carried_by_one_task_or_one_measure_is_not_decided():
    runs = make_runs({s: 0.0 for s in CLEAR}, tasks=("sst2", "mrpc"), base={"sst2": 0.9, "mrpc": 0.8},
                     task_drop={"sst2": 0.04, "mrpc": 0.03})   # MRPC: less of its gain, more of its score
    f = findings.robust_tasks(runs, FLOOR, "m")
    assert f.verdict == INCONCLUSIVE
    assert f.sentence.endswith("], and on raw retention, the paper's measure, the difference is +0.7 [+0.7, +0.7] "
                               "points, against -20.0 [-20.3, -19.7] points of gain share: the measures do not "
                               "agree, so the data do not decide the claim.")


def test_a_pooled_verdict_one_task_carries_says_so_in_its_caveat():
    runs = make_runs({"top": 0.0, "alternate-even": 0.01, "symmetric": 0.02, "bottom": 0.02}, tasks=("sst2", "mrpc"),
                     ks=(2,))
    runs.loc[(runs.task == "mrpc") & (runs.strategy == "bottom"), "score"] -= 0.2   # on sst2 bottom ties symmetric
    f = findings.lower_layers(runs, FLOOR, "m")
    assert f.verdict == CONFIRMED and f.caveat.endswith("; leaving out mrpc undoes it at K=2")
    assert f.sentence.endswith("on the tasks pooled; it rests on mrpc, without which the tests do not show it at K=2.")
    assert f.rests_on == ("mrpc",)
    forty = findings.forty_percent(runs, FLOOR, "m")
    assert "That holds on the tasks pooled, and leaving out mrpc undoes it." in findings.takeaways(
        findings.best_strategy(runs, FLOOR, "m"), f, forty, findings.robust_tasks(runs, FLOOR, "m")).sentence


def test_a_40_percent_interval_that_clears_98_only_before_widening_is_not_a_confirmation():
    runs = with_own_noise(make_runs({"top": 0.012}), "top", 6, {42: 0.0015, 43: -0.0015, 44: 0.0})
    forty = findings.forty_percent(runs, FLOOR, "m")
    assert forty.verdict == INCONCLUSIVE and "but not when widened for picking the best" in forty.sentence
    said = findings.takeaways(*close(all_of(runs))).sentence
    assert ("top keeps at least 98% of the score on its own interval, but not once the interval allows for having "
            "picked the best strategy") in said


def test_bottom_not_shown_apart_at_a_k_still_gives_its_paired_difference():
    runs = make_runs({"bottom": 0.3, "top": 0.0, "alternate-even": 0.03, "symmetric": 0.05}, ks=(2, 6))
    at6 = (runs.k == 6) & (runs.strategy == "bottom")   # at K=6 bottom's seeds scatter: no test can tell
    runs.loc[at6, "score"] += runs.loc[at6, "seed"].map({42: 0.25, 43: -0.25, 44: 0.0})
    f = findings.lower_layers(runs, FLOOR, "m")
    assert "worst choice at K=2" in f.sentence and "at K=6 it is not shown apart from" in f.sentence
    assert ", though there its paired difference from the nearest, symmetric, is -25.0 [" in f.sentence
    assert "(p 0." in f.sentence and "above 5%)" in f.sentence


def test_the_top_and_bottom_rows_give_their_per_task_verdicts():
    from poorman.book.findings.base import per_task_words
    assert per_task_words({"stsb": INCONCLUSIVE, "sst2": CONFIRMED, "mrpc": INCONCLUSIVE}) == \
        "per task: inconclusive on mrpc and stsb; confirmed on sst2"
    f = findings.claim_findings(make_runs(CLEAR, tasks=("sst2", "mrpc")), FLOOR)
    assert f["top_best"].caveat.endswith("; confirmed on each task alone")
    assert f["lower_layers_critical"].caveat == \
        "bottom never fine-tuned at K=2, 4, 6 on mrpc; confirmed on each task alone"


def close(f):
    return f["best_strategy"], f["lower_layers"], f["forty_percent"], f["robust_tasks"]


def test_the_closing_paragraphs_follow_the_findings():
    runs = make_runs(CLEAR, tasks=("sst2", "stsb"), base={"sst2": 0.9, "stsb": 0.9})
    f = all_of(runs)
    said = findings.takeaways(*close(f))
    assert said.sentence.startswith("**Cut from the top.** Top has the highest mean at every K")
    close_at_2 = make_runs({**CLEAR, ("alternate-even", 2): -0.002}, tasks=("sst2", "stsb"), base={"sst2": 0.9, "stsb": 0.9})
    noisy = (close_at_2.strategy == "alternate-even") & (close_at_2.k == 2)   # ahead of top on average, not shown
    close_at_2.loc[noisy, "score"] += close_at_2.loc[noisy, "seed"].map({42: 0.03, 43: -0.03, 44: 0.0})
    assert findings.takeaways(*close(all_of(close_at_2))).sentence.startswith("**Cut from the top when cutting deep.**")
    assert "**Keep the bottom.** Dropping the first layers is the worst choice at every K" in said.sentence
    assert "never fine-tuned at all" not in said.sentence
    beaten = make_runs({**CLEAR, ("symmetric", 6): -0.05}, tasks=("sst2",))   # symmetric beats top at K=6
    g = all_of(beaten)
    assert findings.takeaways(*close(g)).sentence.startswith("**Top is not the safe default here.**")
    one_seed = all_of(make_runs(CLEAR, seeds=(42,)))
    text = findings.takeaways(*close(one_seed)).sentence
    assert "these seeds cannot tell" in text
    failed_bottom = findings.takeaways(*close(all_of(make_runs(CLEAR, tasks=("sst2", "mrpc"))))).sentence
    assert "never fine-tuned at all with this recipe" in failed_bottom   # bottom sinks below MRPC's constant


def test_a_twin_that_sorts_first_by_name_never_takes_tops_place():
    runs = make_runs(CLEAR)
    twin = runs[runs.strategy == "top"].assign(strategy="param-variance")   # the same model, by another name
    runs = with_dropped(pd.concat([runs, twin], ignore_index=True), same_as={"param-variance": "top"})
    f = all_of(runs)
    assert f["best_strategy"].sentence.startswith("**top** is best at every K")
    assert f["forty_percent"].key.startswith("top K=6") and f["claims"]["top_best"].verdict == CONFIRMED
    assert f["claims"]["top_best"].caveat.startswith("best alone at every K")


def test_robust_tasks_whose_measures_oppose_on_one_task_say_so():
    # on the gain share MRPC (floor 0.7) loses most; on retention STS-B (floor 0) does
    runs = make_runs({s: 0.0 for s in CLEAR}, tasks=("sst2", "mrpc", "stsb"),
                     base={"sst2": 0.9, "mrpc": 0.8, "stsb": 0.9}, task_drop={"sst2": 0.04, "mrpc": 0.03, "stsb": 0.09})
    f = findings.robust_tasks(runs, FLOOR, "m")
    assert f.verdict == INCONCLUSIVE
    assert f.sentence.endswith(": less on both measures pooled, but mrpc (its two measures point opposite ways) and "
                               "stsb (on one measure only) do not show it on both on its own, so the data do not "
                               "decide the claim.")
    assert findings.takeaways(*close(all_of(runs))).sentence.endswith(
        "not decided by these runs, and no such task shows a difference on its own on both measures.")


def test_the_40_percent_row_names_a_task_whose_own_interval_falls_below_98():
    runs = make_runs({"top": 0.0, ("top", 6): 0.0}, tasks=("sst2", "stsb"), base={"sst2": 0.9, "stsb": 0.9},
                     task_drop={"sst2": 0.0})
    top6 = (runs.strategy == "top") & (runs.k == 6)
    runs.loc[top6 & (runs.task == "sst2"), "score"] -= 0.03      # SST-2 loses 3.3%, STS-B gains 1.1%
    runs.loc[top6 & (runs.task == "stsb"), "score"] += 0.01
    f = findings.forty_percent(runs, FLOOR, "m")
    assert f.verdict == CONFIRMED and "; alone, sst2 keeps 96.7% [" in f.caveat and ", stsb" not in f.caveat


def test_twins_count_once_when_strategies_are_not_shown_apart():
    runs = make_runs({s: 0.0 for s in CLEAR if s != "bottom"} | {"bottom": 0.3}, noise=0.02)
    twin = runs[runs.strategy == "top"].assign(strategy="param-variance")
    runs = with_dropped(pd.concat([runs, twin], ignore_index=True), same_as={"param-variance": "top"})
    sym = runs.strategy == "symmetric"   # noise of its own: not shown apart from top
    runs.loc[sym, "score"] += runs.loc[sym, "seed"].map({42: 0.03, 43: -0.03, 44: 0.0})
    sentence = findings.best_strategy(runs, FLOOR, "m").sentence
    assert "four strategies (three distinct models) are not shown apart" in sentence


def test_the_rules_on_the_claims_page_hold_no_pointers_into_the_code():
    import re
    from poorman.book import claims
    for key in claims.CLAIMS:
        assert not re.search(r"\(\)|stats\.|module docstring", claims.rule(key)), key
    assert "(each model's leader and those paired tests do not show apart from it)" in claims.rule("objective_matters")


def test_two_strategies_are_alike_unless_a_holm_adjusted_test_shows_them_apart():
    runs = make_runs({"symmetric": 0.05, "alternate-even": 0.05, ("alternate-even", 4): 0.08})
    f = findings.two_strategies(runs, ["m"], "symmetric", "alternate-even")
    assert list(f.numbers.K) == [2, 4, 6] and (f.numbers.p_holm >= f.numbers.p).all()
    assert f.sentence.startswith("They do not score alike: symmetric is ahead of alternate-even by +3.0 [")
    assert "at K=4 (Holm-adjusted p under 5%)" in f.sentence and "K=2" not in f.sentence
    same = findings.two_strategies(make_runs({"symmetric": 0.05, "alternate-even": 0.05}), ["m"],
                                   "symmetric", "alternate-even")
    assert same.sentence.startswith("No K shows symmetric and alternate-even apart (Holm-adjusted over the three")


def test_the_claims_rows_name_the_runs_that_never_took_off():
    runs = make_runs(CLEAR, tasks=("sst2", "mrpc"))   # bottom sinks below MRPC's 0.7 constant at every K
    one = (runs.strategy == "top") & (runs.k == 2) & (runs.task == "mrpc") & (runs.seed == 44)
    runs.loc[one, "score"] = 0.7
    f = findings.claim_findings(runs, FLOOR)
    assert f["top_best"].caveat.endswith("; top K=2 on mrpc (seed 44) never took off")
    assert f["robust_tasks"].caveat.endswith("; never took off: mrpc 10 of 36 pruned runs")
    assert "never took off" not in findings.claim_findings(make_runs(CLEAR), FLOOR)["top_best"].caveat
