"""The book's intervals (poorman.book.stats), on constructed data with known answers."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from poorman.book import stats


def run(model="m", role="pruned", strategy="top", k=2, task="sst2", seed=42, score=0.8, **extra):
    return {"model": model, "role": role, "strategy": strategy, "k": k, "task": task, "seed": seed,
            "score": score, **extra}


def test_mean_interval_is_the_student_t_interval():
    x = [0.81, 0.84, 0.86]
    mean, lo, hi, n = stats.mean_interval(x)
    want = sps.t.interval(0.95, 2, loc=np.mean(x), scale=sps.sem(x))
    assert (n, mean) == (3, pytest.approx(np.mean(x)))
    assert (lo, hi) == pytest.approx(want)


def test_one_seed_has_no_interval():
    mean, lo, hi, n = stats.mean_interval([0.8])
    assert mean == 0.8 and n == 1 and np.isnan(lo) and np.isnan(hi)


def test_fieller_with_an_exact_denominator_is_the_numerators_interval_scaled():
    ratio, lo, hi = stats.fieller(0.9, 0.01 ** 2, 1.0, 0.0, dof=2)
    t = sps.t.ppf(0.975, 2)
    assert ratio == pytest.approx(0.9)
    assert (lo, hi) == pytest.approx((0.9 - t * 0.01, 0.9 + t * 0.01))


def test_fieller_is_unbounded_when_the_denominator_may_be_zero():
    ratio, lo, hi = stats.fieller(0.5, 0.01, 0.05, 0.01, dof=2)
    assert ratio == pytest.approx(10) and lo == -np.inf and hi == np.inf


def test_fieller_interval_covers_the_true_ratio_95_percent_of_the_time():
    rng = np.random.default_rng(0)
    hits, n = 0, 3
    for _ in range(2000):
        p, b = rng.normal(0.8, 0.02, n), rng.normal(0.9, 0.02, n)
        _, lo, hi = stats.fieller(p.mean(), p.var(ddof=1) / n, b.mean(), b.var(ddof=1) / n, dof=n - 1)
        hits += lo <= 0.8 / 0.9 <= hi
    assert 0.94 <= hits / 2000 <= 0.995   # min(n) - 1 degrees of freedom: slightly conservative


def test_gain_share_subtracts_the_constant_predictor():
    runs = pd.DataFrame([run(role="baseline", strategy="none", k=0, seed=s, score=v) for s, v in
                         zip((42, 43, 44), (0.90, 0.91, 0.92))]
                        + [run(seed=s, score=v) for s, v in zip((42, 43, 44), (0.69, 0.70, 0.71))])
    row = stats.kept(runs, {"sst2": 0.5}).iloc[0]
    assert row.retention == pytest.approx(0.70 / 0.91)
    assert row.gain == pytest.approx((0.70 - 0.5) / (0.91 - 0.5))
    assert row.gain_lo < row.gain < row.gain_hi and row.retention_lo < row.retention < row.retention_hi
    assert row.n == 3


def test_pooling_over_tasks_weighs_every_task_the_same():
    rows = []
    for task, base, pruned in (("sst2", 0.9, 0.8), ("mrpc", 0.8, 0.4)):
        rows += [run(task=task, role="baseline", strategy="none", k=0, seed=s, score=base + d) for s, d in
                 zip((42, 43, 44), (-0.01, 0, 0.01))]
        rows += [run(task=task, seed=s, score=pruned + d) for s, d in zip((42, 43, 44), (-0.01, 0, 0.01))]
    row = stats.kept(pd.DataFrame(rows), {"sst2": 0.5, "mrpc": 0.7}, by=("model", "strategy", "k")).iloc[0]
    assert row.retention == pytest.approx((0.8 / 0.9 + 0.4 / 0.8) / 2)
    assert row.gain == pytest.approx(((0.8 - 0.5) / (0.9 - 0.5) + (0.4 - 0.7) / (0.8 - 0.7)) / 2)
    assert row.tasks == "mrpc, sst2"


def two_task_store(big_gain=0.9, small_gain=0.04):
    """A task with much headroom that keeps all of it, and one with little that keeps none."""
    rows = []
    for task, floor, gain, kept in (("stsb", 0.0, big_gain, 1.0), ("mrpc", 0.7, small_gain, 0.0)):
        rows += [run(task=task, role="baseline", strategy="none", k=0, seed=s, score=floor + gain + d)
                 for s, d in zip((42, 43, 44), (-0.002, 0, 0.002))]
        rows += [run(task=task, seed=s, score=floor + kept * gain + d) for s, d in zip((42, 43, 44), (-0.002, 0, 0.002))]
    return pd.DataFrame(rows), {"stsb": 0.0, "mrpc": 0.7}


def test_a_task_with_much_headroom_does_not_dominate_the_pool():
    runs, floor = two_task_store()
    row = stats.kept(runs, floor, by=("model", "strategy", "k")).iloc[0]
    ratio_of_sums = (0.9 + 0.0) / (0.9 + 0.04)   # 96%: STS-B's headroom would decide
    assert ratio_of_sums > 0.95
    assert row.gain == pytest.approx(0.5)        # equal weights: one task kept all, one none
    assert row.gain_hi < 0.95


def test_welch_satterthwaite_degrees_of_freedom():
    assert stats.welch_df([0.01, 0.01, 0.01], [2, 2, 2]) == pytest.approx(6)   # equal parts: the sum of dofs
    assert stats.welch_df([1.0, 1e-9], [2, 2]) == pytest.approx(2)              # one part dominates: its dof
    v, d = np.array([0.3, 0.1]), np.array([2, 4])
    assert stats.welch_df(v, d) == pytest.approx(v.sum() ** 2 / (v ** 2 / d).sum())
    assert np.isnan(stats.welch_df([0.1, np.nan], [2, 2]))


def test_a_pooled_interval_uses_welch_degrees_of_freedom_not_the_fewest_seeds():
    rows = [run(task=t, role=r, strategy=st, k=k, seed=s, score=b + d)
            for t in ("sst2", "qnli", "rte") for r, st, k, b in (("baseline", "none", 0, 0.9), ("pruned", "top", 2, 0.8))
            for s, d in zip((42, 43, 44), (-0.01, 0, 0.01))]
    row = stats.kept(pd.DataFrame(rows), {"sst2": 0.5, "qnli": 0.5, "rte": 0.5}, by=("model",)).iloc[0]
    half = (row.gain_hi - row.gain_lo) / 2
    # six variance parts (3 pruned cells, 3 baselines, each over 2 dof): about 9 dof, not 2
    r, var = 0.75, (0.01 ** 2 / 3) / 0.4 ** 2 / 9
    parts = np.array([var] * 3 + [r ** 2 * var] * 3)
    dof = parts.sum() ** 2 / (parts ** 2 / 2).sum()
    assert 8 < dof < 12
    assert half == pytest.approx(sps.t.ppf(0.975, dof) * np.sqrt(parts.sum()))


def test_a_paired_difference_that_overlapping_intervals_miss():
    # two strategies whose seeds move together: wide intervals that overlap, a difference that does not vary
    seeds, shift = (42, 43, 44), {42: -0.05, 43: 0.0, 44: 0.05}
    a = pd.DataFrame([run(strategy="top", seed=s, score=0.80 + shift[s] + e) for s, e in zip(seeds, (0.001, -0.001, 0))])
    b = pd.DataFrame([run(strategy="angular", seed=s, score=0.78 + shift[s]) for s in seeds])
    ia, ib = stats.mean_interval(a.score), stats.mean_interval(b.score)
    assert stats.overlaps(ia[1], ia[2], ib[1], ib[2])
    d = stats.paired_difference(a, b)
    assert d["diff"] == pytest.approx(0.02) and d["lo"] > 0 and d["p"] < 0.01
    x = (a.score.to_numpy() - b.score.to_numpy())
    assert (d["lo"], d["hi"]) == pytest.approx(sps.t.interval(0.95, 2, x.mean(), sps.sem(x)))


def test_a_paired_difference_over_tasks_weighs_them_equally_with_welch_df():
    rows = [run(strategy=st, task=t, seed=s, score=base + (gap if st == "top" else 0) + e)
            for t, gap, noise in (("sst2", 0.02, (0.001, -0.001, 0)), ("stsb", 0.10, (0.004, -0.004, 0)))
            for st, base in (("top", 0.8), ("angular", 0.8)) for s, e in zip((42, 43, 44), noise if st == "top" else (0, 0, 0))]
    runs = pd.DataFrame(rows)
    d = stats.paired_difference(runs[runs.strategy == "top"], runs[runs.strategy == "angular"])
    assert d["diff"] == pytest.approx((0.02 + 0.10) / 2)
    v = np.array([np.var([0.001, -0.001, 0], ddof=1), np.var([0.004, -0.004, 0], ddof=1)]) / 3
    assert d["df"] == pytest.approx(v.sum() ** 2 / (v ** 2 / 2).sum())
    assert list(d["tasks"].task) == ["sst2", "stsb"]


def test_a_paired_difference_of_identical_runs_is_zero_and_not_shown():
    a = pd.DataFrame([run(seed=s, score=0.8 + 0.01 * i) for i, s in enumerate((42, 43, 44))])
    d = stats.paired_difference(a, a.assign(strategy="bottom"))
    assert d["diff"] == 0 and d["p"] == 1.0


def test_holm_multiplies_the_smallest_p_by_the_family_size_and_stays_monotone():
    adj = stats.holm([0.01, 0.04, 0.03, np.nan])
    assert adj[0] == pytest.approx(0.03) and adj[2] == pytest.approx(0.06) and adj[1] == pytest.approx(0.06)
    assert np.isnan(adj[3])
    assert stats.holm([0.5, 0.9]).tolist() == [1.0, 1.0]


def test_a_baseline_at_the_constant_gives_an_undefined_gain_share():
    runs = pd.DataFrame([run(role="baseline", strategy="none", k=0, seed=s, score=0.5) for s in (42, 43)]
                        + [run(seed=s, score=0.5) for s in (42, 43)])
    row = stats.kept(runs, {"sst2": 0.5}).iloc[0]
    assert np.isnan(row.gain) and row.retention == 1.0


def test_runs_that_never_took_off_are_listed_and_still_averaged():
    runs = pd.DataFrame([run(role="baseline", strategy="none", k=0, seed=s, score=0.9) for s in (42, 43, 44)]
                        + [run(seed=42, score=0.5), run(seed=43, score=0.85), run(seed=44, score=0.86)])
    failed = stats.never_took_off(runs, {"sst2": 0.5})
    assert list(failed.seed) == [42]
    cell = stats.cells(runs).query("role == 'pruned'").iloc[0]
    assert cell["mean"] == pytest.approx((0.5 + 0.85 + 0.86) / 3) and cell.n == 3


def test_the_bar_for_taking_off_is_a_tenth_of_the_full_models_gain():
    base = [run(task=t, role="baseline", strategy="none", k=0, seed=s, score=b)
            for t, b in (("stsb", 0.87), ("sst2", 0.91)) for s in (42, 43, 44)]
    pruned = [run(task="stsb", seed=42, score=0.08), run(task="stsb", seed=43, score=0.09),
              run(task="sst2", seed=42, score=0.54), run(task="sst2", seed=43, score=0.55)]
    failed = stats.never_took_off(pd.DataFrame(base + pruned), {"stsb": 0.0, "sst2": 0.5})
    assert sorted(failed.score) == [0.08, 0.54]   # bars: 0.087 on STS-B, 0.541 on SST-2
    assert failed.took_off_above.round(3).tolist() == [0.087, 0.541]


def test_the_bar_is_at_least_a_point_and_catches_a_failed_baseline_seed():
    base = [run(role="baseline", strategy="none", k=0, seed=s, score=b) for s, b in ((42, 0.52), (43, 0.53), (44, 0.5))]
    failed = stats.never_took_off(pd.DataFrame(base), {"sst2": 0.5})
    assert failed.score.tolist() == [0.5]   # gain 0.017: the bar is the 1-point minimum, 0.51


def test_cells_whose_best_seed_is_at_or_below_a_bar_lost_or_barely_learnt():
    base = [run(role="baseline", strategy="none", k=0, seed=s, score=0.9) for s in (42, 43)]   # gain 0.4
    pruned = [run(strategy="top", seed=s, score=x) for s, x in ((42, 0.52), (43, 0.53))]      # both under 0.54
    pruned += [run(strategy="bottom", seed=s, score=x) for s, x in ((42, 0.52), (43, 0.57))]  # one passes, under 0.58
    pruned += [run(strategy="symmetric", seed=s, score=x) for s, x in ((42, 0.52), (43, 0.7))]
    runs = pd.DataFrame(base + pruned)
    assert [c[2] for c in stats.cells_at_or_below(runs, {"sst2": 0.5})] == ["top"]
    assert [c[2] for c in stats.cells_at_or_below(runs, {"sst2": 0.5}, share=0.2)] == ["bottom", "top"]


def test_strategy_gains_pool_only_over_tasks_every_strategy_has():
    rows = [run(task=t, role="baseline", strategy="none", k=0, seed=s, score=0.9) for t in ("sst2", "mrpc")
            for s in (42, 43)]
    rows += [run(task="sst2", strategy=st, seed=s, score=0.8) for st in ("top", "bottom") for s in (42, 43)]
    rows += [run(task="mrpc", strategy="top", seed=s, score=0.8) for s in (42, 43)]   # bottom lacks mrpc
    g = stats.strategy_gains(pd.DataFrame(rows).assign(original_layers=12), {"sst2": 0.5, "mrpc": 0.7}, "m")
    assert set(g.tasks) == {"sst2"}


def test_share_of_parameters_removed():
    rows = [run(role="baseline", strategy="none", k=0, params_total=100), run(k=6, params_total=61)]
    assert stats.param_share_removed(pd.DataFrame(rows), "m") == {6: pytest.approx(0.39)}


def test_overlap_reads_a_missing_bound_as_unbounded():
    assert stats.overlaps(0.1, 0.2, 0.3, 0.4) is False
    assert stats.overlaps(0.1, 0.35, 0.3, 0.4) is True
    assert stats.overlaps(np.nan, np.nan, 0.3, 0.4) is True


def test_the_pareto_frontier_keeps_points_no_other_beats_in_both():
    on = stats.pareto_frontier([0.9, 0.85, 0.8, 0.85], [10.0, 7.0, 7.0, 9.0])
    assert list(on) == [True, True, False, False]  # 0.8 at 7 ms and 0.85 at 9 ms are beaten by 0.85 at 7 ms
