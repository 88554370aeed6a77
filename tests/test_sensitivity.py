"""What a verdict rests on (poorman.book.sensitivity), on constructed stores with known answers."""

from poorman.book import sensitivity
from poorman.book.verdicts import CONFIRMED, CONTRADICTED, INCONCLUSIVE

from test_verdicts import FLOOR, STRATEGIES, make_runs

TASKS, BASE = ("sst2", "stsb"), {"sst2": 0.9, "stsb": 0.9}


def test_a_verdict_decided_by_one_collapsing_strategy_rests_on_it():
    drops = {s: 0.02 for s in STRATEGIES}
    runs = make_runs(drops, tasks=TASKS, base=BASE, task_drop={"sst2": 0.02})   # stsb keeps more ...
    runs.loc[(runs.strategy == "bottom") & (runs.task == "stsb"), "score"] = 0.0   # ... but bottom collapses on it
    verdict, changed = sensitivity.rests_on(runs, FLOOR, "robust_tasks")
    assert verdict != CONFIRMED and changed == {"bottom": CONFIRMED}


def test_a_verdict_every_strategy_supports_rests_on_none():
    runs = make_runs({s: 0.02 for s in STRATEGIES}, tasks=TASKS, base=BASE, task_drop={"sst2": 0.1})
    assert sensitivity.rests_on(runs, FLOOR, "robust_tasks") == (CONFIRMED, {})


def test_leaving_out_the_strategy_a_claim_is_about_is_not_listed():
    runs = make_runs({"bottom": 0.3}, tasks=("sst2",))
    assert sensitivity.without_each(runs, FLOOR, "lower_layers_critical")["bottom"] == "not testable"
    assert sensitivity.rests_on(runs, FLOOR, "lower_layers_critical") == (CONFIRMED, {})


def test_a_verdict_one_task_decides_rests_on_that_task():
    runs = make_runs({"bottom": 0.2}, tasks=("sst2", "rte"))
    runs.loc[(runs.strategy == "top") & (runs.task == "rte"), "score"] = 0.5   # top collapses on rte alone
    verdict, changed = sensitivity.rests_on(runs, FLOOR, "lower_layers_critical", "task")
    # the tasks point opposite ways (bottom worst on sst2, top worst on rte): inconclusive
    assert verdict == INCONCLUSIVE and changed == {"rte": CONFIRMED, "sst2": CONTRADICTED}


def test_a_verdict_over_every_k_names_the_k_at_which_a_task_carries_it():
    # at K=2 bottom is worst on both tasks; at K=4 only on mrpc, where it sinks far enough to carry the pool
    runs = make_runs({"top": 0.0, "alternate-even": 0.01, "symmetric": 0.02, ("bottom", 2): 0.2, ("bottom", 4): 0.02},
                     tasks=("sst2", "mrpc"), ks=(2, 4))
    runs.loc[(runs.task == "mrpc") & (runs.strategy == "bottom") & (runs.k == 4), "score"] -= 0.2
    assert sensitivity.rests_on(runs, FLOOR, "lower_layers_critical", "task") == (CONFIRMED, {"mrpc": INCONCLUSIVE})
    assert sensitivity.undone_at(runs, FLOOR, "lower_layers_critical", "mrpc") == [4]


def test_the_table_has_a_row_per_claim_and_a_column_per_strategy_and_task():
    runs = make_runs({"bottom": 0.3, "top": 0.09, "symmetric": 0.11}, tasks=("sst2",), noise=0.02)
    sym = runs.strategy == "symmetric"   # noise of its own, not shared with its seed: not shown apart
    runs.loc[sym, "score"] += runs.loc[sym, "seed"].map({42: 0.03, 43: -0.03, 44: 0.0})
    t = sensitivity.table(runs, FLOOR, ["top_best"], names={"top_best": "top is best"})
    assert list(t.columns) == ["claim", "verdict"] + [f"without {s}" for s in sorted(STRATEGIES)] + ["without sst2"]
    assert t.claim.iloc[0] == "top is best" and t.verdict.iloc[0] == INCONCLUSIVE
    assert t["without symmetric"].iloc[0] == CONFIRMED


def test_the_sentence_names_what_the_verdict_rests_on():
    runs = make_runs({"bottom": 0.2}, tasks=("sst2", "rte"))
    runs.loc[(runs.strategy == "top") & (runs.task == "rte"), "score"] = 0.5
    assert sensitivity.rests_on_sentence(runs, FLOOR, "lower_layers_critical") == \
        ("The verdict rests on **top** and **rte** and **sst2**: without top's runs it would be *confirmed*; "
         "without rte's runs it would be *confirmed*; without sst2's runs it would be *contradicted*.")
    steady = make_runs({"bottom": 0.3}, tasks=("sst2",))
    assert sensitivity.rests_on_sentence(steady, FLOOR, "lower_layers_critical").startswith("No single")
    assert sensitivity.rests_on_sentence(steady, FLOOR, "robust_tasks") == ""
