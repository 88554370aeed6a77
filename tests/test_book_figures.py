"""Tables, figures and the claims page, on constructed stores: percent everywhere, intervals
everywhere, no index columns, one colour per strategy, quotes only from the claims file."""

import re

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from test_verdicts import FLOOR, STRATEGIES, make_runs  # noqa: E402

from poorman.book import claims, palette, plots, stats, verdicts  # noqa: E402
from poorman.core.strategies import STRATEGIES as ALL_STRATEGIES  # noqa: E402


def test_every_strategy_has_one_colour():
    assert set(ALL_STRATEGIES) <= set(palette.STRATEGY_COLOURS)
    assert len(set(palette.STRATEGY_COLOURS.values())) == len(palette.STRATEGY_COLOURS)


def test_tables_have_no_index_column():
    html = plots.show(plots.baseline_table(make_runs({}), FLOOR)).to_html()
    assert "row_heading" not in html


def test_score_table_is_in_percent_with_intervals_and_flags():
    runs = make_runs({"top": 0.0, "bottom": 0.4}, tasks=("sst2",), noise=0.01)
    runs = runs[~((runs.strategy == "symmetric") & (runs.seed == 44))]   # a partial cell
    table = plots.score_table(runs, FLOOR, "m")
    assert list(table.columns[:2]) == ["K", "strategy"] and table.strategy.iloc[0] == "full model"
    full = table.sst2.iloc[0]
    assert full.startswith("90.0 [") and full.endswith("]")
    assert table[table.strategy == "symmetric"].sst2.str.contains(r"\(2 seeds\)").all()
    assert table[table.strategy == "bottom"].sst2.str.endswith("!").all()   # at the constant (50%)


def test_kept_table_shows_retention_and_gain_share_side_by_side():
    g = stats.strategy_gains(make_runs({"top": 0.0}), FLOOR, "m")
    table = plots.kept_table(g)
    assert [c for c in table.columns if "retention" in c or "gain share" in c] == [
        "retention, % of the full model's score", "gain share, % of its gain over the constant (verdicts)"]
    assert table.iloc[0, 2].startswith("100.0 [")


def test_the_task_grid_is_wide_and_in_percent():
    fig = plots.task_grid(make_runs({"top": 0.0}, tasks=("sst2", "mrpc", "stsb"), base={"sst2": 0.9, "mrpc": 0.85,
                                                                                          "stsb": 0.8}),
                          FLOOR, "m", ["sst2", "mrpc", "stsb"])
    width_px = fig.get_size_inches()[0] * fig.dpi
    assert width_px >= 900   # wider than the book's text column: shown at its full width, never upscaled
    ax = fig.axes[0]
    assert ax.get_ylabel() == "dev score (%)" and ax.get_ylim()[1] > 50
    assert not ax.texts   # no label over the points: the values are in the title
    assert ax.get_title() == f"SST-2: full model 90.0 (constant {100 * FLOOR['sst2']:.1f})"


def test_one_wide_interval_does_not_set_the_task_panels_range():
    runs = make_runs({"top": 0.0}, tasks=("stsb",), base={"stsb": 0.8})
    runs.loc[(runs.role == "pruned") & (runs.seed == 42), "score"] = 0.2   # one seed far off: a wide interval
    ax = plots.task_grid(runs, {"stsb": 0.0}, "m", ["stsb"]).axes[0]
    assert ax.get_ylim()[0] > -10   # the interval's low end (far below 0) runs off the panel


def test_a_strategy_far_below_the_others_gets_its_own_row():
    runs = make_runs({"top": 0.0, "bottom": 0.0, "symmetric": 0.0})
    runs.loc[runs.strategy == "bottom", "score"] -= 0.3
    fig = plots.kept_plot(stats.strategy_gains(runs, FLOOR, "m"), line=0.98)
    upper, lower = fig.axes[0], fig.axes[2]
    assert [c.get_label() for c in lower.containers] == ["bottom"]
    assert upper.get_ylim()[0] > 50   # the 98% line stands apart from 100% on the upper row


def test_figures_draw_on_a_store_with_one_seed():
    runs = make_runs({"top": 0.0}, seeds=(42,))
    g = stats.strategy_gains(runs, FLOOR, "m")
    assert g.gain_lo.isna().all()
    plots.kept_plot(g)
    plots.task_grid(runs, FLOOR, "m", ["sst2"])


def test_frontier_points_carry_intervals():
    runs = pd.concat([make_runs({"top": 0.0}, model="bert-base-uncased"),
                      make_runs({}, model="distilbert-base-uncased", layers=6, ks=(), role="reference")
                      .assign(role=lambda d: "reference")])
    points = plots.variant_points(runs, None, "bert-base-uncased", "distilbert-base-uncased", ["sst2"])
    assert {"full", "pruned", "reference"} == set(points.kind)
    assert (points.lo < points.score).all() and (points.score < points.hi).all()
    points["frontier_params_m"] = verdicts.frontier(points, runs, "params_m")
    points["frontier_latency_ms"] = verdicts.frontier(points, runs, "latency_ms")
    plots.frontier_plot(points)


def test_claims_table_quotes_only_the_claims_file():
    found = verdicts.all_claims(make_runs({"top": 0.0}, model="sentence-transformers/all-mpnet-base-v2"), FLOOR)
    table = claims.table(found)
    rows = table.splitlines()[2:]
    assert len(rows) == len(claims.CLAIMS)
    quotes = set(claims.paper_claims().quote)
    for key, (_, ids) in claims.CLAIMS.items():
        words = claims.words(key)
        if ids:
            assert all(f'"{q}"' in words for q in claims.paper_claims().loc[ids].quote)
        else:
            assert words == claims.NO_QUOTE
    quoted = re.findall(r'"([^"]+)"', table)
    assert quoted and all(q in quotes for q in quoted)
    assert "not testable with these models" in table and "bert-base" in table


def test_every_quote_id_exists():
    ids = set(claims.paper_claims().index)
    for _, quote_ids in claims.CLAIMS.values():
        assert set(quote_ids) <= ids


def test_a_task_keeps_its_colour_in_every_figure():
    assert len(set(palette.TASK_COLOURS.values())) == len(palette.TASK_COLOURS)
    assert palette.task_colour("stsb") == palette.TASK_COLOURS["stsb"]
    assert palette.task_colour("my_reviews") == palette.task_colour("my_reviews") in palette.TASK_COLOURS.values()


def test_layer_profiles_keep_one_panel_per_model_and_every_task_in_the_legend():
    data = pd.DataFrame([{"model": m, "task": t, "depth": d, "cka": 1 - d}
                         for m, tasks in (("org/small", ["sst2"]), ("org/big", ["sst2", "mrpc"]))
                         for t in tasks for d in (0.5, 1.0)])
    fig = plots.layer_profile_plot(data, "cka", "CKA", order=["org/big", "org/big", "org/small"])
    assert [ax.get_title() for ax in fig.axes] == ["org/\nbig", "org/\nsmall"]
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["sst2", "mrpc"]


def test_the_size_table_names_the_precision_its_latencies_were_timed_in():
    variants = pd.DataFrame({"model": "m", "role": ["baseline", "pruned"], "k": [0, 6], "num_layers": [12, 6],
                             "params": [110e6, 67e6], "checkpoint_bytes": [4.4e8, 2.7e8], "gflops": [10.0, 5.0],
                             "latency_ms": [100.0, 52.0], "precision": "bf16"})
    table = plots.size_table(variants, "m")
    assert list(table["latency (ms, bf16)"]) == [100.0, 52.0] and list(table["speed-up, measured"]) == [1.0, 1.92]
    assert "latency (ms)" in plots.size_table(variants.drop(columns="precision"), "m")
