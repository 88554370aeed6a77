"""Seeds per cell (`cell_seeds`): the first matching rule gives a cell its seeds, else `seeds`;
baselines keep `baseline_seeds`; the colab grid's plan expands as its YAML says and fits 8 T4-hours."""

from importlib import resources

import pytest
import yaml

from poorman.experiments import budget
from poorman.experiments.profiles import load_profile, seeds_for
from poorman.experiments.sweep import expand_grid

BERT, XLNET, DISTIL = "bert-base-uncased", "xlnet-base-cased", "distilbert-base-uncased"
THREE = [42, 43, 44]


def profile(tmp_path, rules, **changes):
    data = {"name": "rules", "models": {"prune": ["tiny-random/bert", "tiny-random/xlnet"],
                                        "reference": ["tiny-random/distilbert"]},
            "strategies": ["top", "bottom", "symmetric"], "ks": [1, 2], "tasks": ["rte"], "seeds": [7],
            "baseline_seeds": [1, 2], "cell_seeds": rules, **changes}
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data))
    return load_profile(path)


def test_the_first_matching_rule_gives_the_seeds(tmp_path):
    p = profile(tmp_path, [{"models": ["tiny-random/bert"], "strategies": ["top"], "ks": [2], "seeds": [1, 2, 3]},
                           {"strategies": ["top", "bottom"], "seeds": [4, 5]},
                           {"ks": [2], "seeds": []},
                           {"strategies": ["none"], "seeds": [8, 9]}])
    assert seeds_for(p, "pruned", "tiny-random/bert", "top", 2) == [1, 2, 3]     # every key matches
    assert seeds_for(p, "pruned", "tiny-random/xlnet", "top", 2) == [4, 5]       # rule 1 names another model
    assert seeds_for(p, "pruned", "tiny-random/bert", "bottom", 1) == [4, 5]     # a missing key matches any
    assert seeds_for(p, "pruned", "tiny-random/bert", "symmetric", 2) == []      # empty: not run
    assert seeds_for(p, "pruned", "tiny-random/bert", "symmetric", 1) == [7]     # no rule: `seeds`
    assert seeds_for(p, "reference", "tiny-random/distilbert") == [8, 9]         # strategy none, K 0
    assert seeds_for(p, "baseline", "tiny-random/bert") == [1, 2]                # rules never apply


def test_expand_grid_follows_the_rules(tmp_path):
    p = profile(tmp_path, [{"strategies": ["top"], "seeds": [1, 2, 3]}, {"ks": [2], "seeds": []}])
    cells = {}
    for s in expand_grid(p):
        cells.setdefault((s.model, s.role, s.strategy, s.k), []).append(s.seed)
    for model in ("tiny-random/bert", "tiny-random/xlnet"):
        assert cells[(model, "baseline", "none", 0)] == [1, 2]
        assert cells[(model, "pruned", "top", 1)] == cells[(model, "pruned", "top", 2)] == [1, 2, 3]
        assert cells[(model, "pruned", "bottom", 1)] == cells[(model, "pruned", "symmetric", 1)] == [7]
        assert (model, "pruned", "bottom", 2) not in cells and (model, "pruned", "symmetric", 2) not in cells
    assert cells[("tiny-random/distilbert", "reference", "none", 0)] == [7]  # no rule names it
    assert len(expand_grid(p)) == 2 * (2 + 3 + 3 + 1 + 1) + 1


def test_no_rules_is_the_old_grid(tmp_path):
    p = profile(tmp_path, [])
    assert {s.seed for s in expand_grid(p) if s.role != "baseline"} == {7}
    assert p.cell_seeds == [] and load_profile("cpu").cell_seeds == []


@pytest.mark.parametrize("rules, message", [
    # the profile schema answers first, naming the key (profile_schema.py)
    ([{"models": ["tiny-random/bert"]}], r"`cell_seeds.0.seeds` is missing"),
    ([{"seeds": [1], "tasks": ["rte"]}], r"unknown key `cell_seeds.0.tasks`"),
    ([{"seeds": [1]}, {"strategies": "top", "seeds": [1]}], r"`cell_seeds.1.strategies` should be a valid list"),
    ([{"models": ["bert-base-uncased"], "seeds": [1]}], r"names models \['bert-base-uncased'\]; valid: tiny-random/bert"),
    ([{"strategies": ["middle-out"], "seeds": [1]}], r"names strategies \['middle-out'\]; valid: top, .*none"),
    ([{"ks": ["2"], "seeds": [1]}], r"`cell_seeds.0.ks.0` should be a valid integer"),
    ([{"seeds": [True]}], r"`cell_seeds.0.seeds.0` should be a valid integer"),
])
def test_bad_rules_fail_before_any_work(tmp_path, rules, message):
    with pytest.raises(ValueError, match=message) as err:
        profile(tmp_path, rules)
    assert "rules.yaml" in str(err.value)


# ----------------------------------------------------------------------------- the colab plan

def colab_cells():
    cells = {}
    for s in expand_grid(load_profile("colab")):
        cells.setdefault((s.model, s.role, s.strategy, s.k, s.task), []).append(s.seed)
    return cells


def test_colab_seed_plan_expands_as_specified():
    colab, cells = load_profile("colab"), colab_cells()
    tasks = colab.tasks
    for t in tasks:
        for model in (BERT, XLNET):   # the decisive cells: 3 paired seeds
            assert cells[(model, "baseline", "none", 0, t)] == THREE
            for strategy in ("top", "bottom"):
                for k in (2, 4, 6):
                    assert cells[(model, "pruned", strategy, k, t)] == THREE
        assert cells[(DISTIL, "reference", "none", 0, t)] == THREE   # DistilBERT itself
        for strategy in set(colab.strategies) - {"top", "bottom"}:   # elsewhere: one seed, BERT at K=6 only
            assert cells[(BERT, "pruned", strategy, 6, t)] == [42]
    others = [c for c in cells if c[1] == "pruned" and c[2] not in ("top", "bottom")]
    assert {(m, k) for m, _, _, k, _ in others} == {(BERT, 6)}
    assert {"param-aggregation", "param-variance"} <= {s for _, _, s, _, _ in others}
    assert len(cells) == len(tasks) * (2 + 2 * 2 * 3 + 1 + len(colab.strategies) - 2)


def test_colab_grid_fits_eight_t4_hours():
    hours = budget.gpu_hours("colab")
    assert hours <= 8, f"the colab grid takes {hours:.2f} T4-hours by the cost model, over the 8 it must fit"
    assert budget.gpu_hours("colab", precision="fp16") < hours


def test_colab_yaml_keeps_its_rules_in_order():
    """The catch-all rule is last: a rule after it would never match."""
    raw = yaml.safe_load((resources.files("poorman.profiles") / "colab.yaml").read_text())
    assert raw["cell_seeds"][-1] == {"seeds": []}
    assert all(set(rule) != {"seeds"} for rule in raw["cell_seeds"][:-1])
