"""The sweep trains each distinct model once, and `jobs=n` trains n at a time with the same results."""

import json
import warnings
from pathlib import Path

import pytest

import poorman
from poorman.experiments.sweep import schedule as sweep_module
from poorman.experiments.run.spec import training_key
from poorman.experiments.profiles import load_profile
from poorman.experiments.sweep import sweep
from poorman.experiments.store import records

# On the 6-layer tiny models, top and alternate-even both drop layer 5 when K=1: one model, two runs.
TWINS = dict(models=["tiny-random/bert"], strategies=["top", "alternate-even"], ks=[1])
quiet = dict(log=lambda *a: None)


def _sweep(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sweep(*args, **kwargs)


def _records(store):
    return {p.stem: json.loads(p.read_text()) for p in (store / "runs").glob("*.json")}


def test_runs_that_drop_the_same_layers_train_once(tmp_path, monkeypatch):
    trained = []
    real = sweep_module.train_and_evaluate
    monkeypatch.setattr(sweep_module, "train_and_evaluate", lambda spec, **k: trained.append(spec) or real(spec, **k))
    lines = []
    new = _sweep("smoke", **TWINS, log=lines.append)
    # 2 baselines + top + alternate-even; the last two are the same model
    assert len(new) == 4 and len(trained) == 3
    assert any("3 models to train (1 run shares a model" in line for line in lines)
    recs = _records(tmp_path / "results" / "smoke")
    pruned = {r["config"]["strategy"]: r for r in recs.values() if r["config"]["role"] == "pruned"}
    top, alt = pruned["top"], pruned["alternate-even"]
    assert top["dropped"] == alt["dropped"] == [5]
    twin, original = (alt, top) if alt.get("same_model_as") else (top, alt)
    assert twin["same_model_as"] == original["run_id"] and "same_model_as" not in original
    assert twin["run_id"] == records.run_id(twin["config"]) != original["run_id"]
    assert twin["metrics"] == original["metrics"] and twin["timing"] == original["timing"]
    df = poorman.results("smoke")
    assert df.same_model_as.notna().sum() == 1 and len(df) == 4


def test_a_lost_twin_record_is_rewritten_without_training(tmp_path, monkeypatch):
    _sweep("smoke", **TWINS, **quiet)
    store = tmp_path / "results" / "smoke"
    twin = next(r for r in _records(store).values() if r.get("same_model_as"))
    records.run_path(store, twin["run_id"]).unlink()  # e.g. kill -9 between the two writes

    def no_training(*args, **kwargs):
        raise AssertionError("the model was trained already")
    monkeypatch.setattr(sweep_module, "train_and_evaluate", no_training)
    new = _sweep("smoke", **TWINS, **quiet)
    assert [r.run_id for r in new] == [twin["run_id"]]
    assert _records(store)[twin["run_id"]]["metrics"] == twin["metrics"]


def test_a_lost_record_of_the_training_run_is_not_rebuilt_as_an_alias_of_itself(tmp_path, monkeypatch):
    _sweep("smoke", **TWINS, **quiet)
    store = tmp_path / "results" / "smoke"
    before = _records(store)
    twin = next(r for r in before.values() if r.get("same_model_as"))
    original = before[twin["same_model_as"]]
    path = records.run_path(store, original["run_id"])
    path.write_text(path.read_text()[:200])  # truncated: only the twin's copy of the model's numbers is left

    def no_training(*args, **kwargs):
        raise AssertionError("the model was trained already")
    monkeypatch.setattr(sweep_module, "train_and_evaluate", no_training)
    new = _sweep("smoke", **TWINS, **quiet)
    assert [r.run_id for r in new] == [original["run_id"]]
    rebuilt = _records(store)[original["run_id"]]
    assert "same_model_as" not in rebuilt  # it is the record of the training again, not an alias of itself
    assert _records(store)[twin["run_id"]]["same_model_as"] == original["run_id"]
    assert {k: v for k, v in rebuilt.items() if k != "record_version"} == \
        {k: v for k, v in original.items() if k != "record_version"}
    df = poorman.results("smoke")
    assert df.same_model_as.isna().sum() == 3 and len(df) == 4  # 3 models trained, as before the damage


def test_a_reference_model_that_is_also_a_baseline_trains_once(tmp_path):
    # tiny-random/distilbert as both a pruned model (its seed-42 baseline) and the reference
    profile = load_profile("smoke").with_overrides(prune_models=["tiny-random/distilbert"], baseline_seeds=[42],
                                                   strategies=["top"], ks=[1], model_ks={})
    _sweep(profile, **quiet)
    recs = _records(tmp_path / "results" / "smoke")
    unpruned = [r for r in recs.values() if r["config"]["k"] == 0]
    assert sorted(r["config"]["role"] for r in unpruned) == ["baseline", "reference"]
    assert sum(bool(r.get("same_model_as")) for r in unpruned) == 1
    assert training_key(unpruned[0]["config"], []) == training_key(unpruned[1]["config"], [])


@pytest.mark.slow  # two worker processes, each importing torch: ~90 s on 2 busy cores
def test_two_jobs_give_the_same_records_as_one(tmp_path, monkeypatch):
    grid = dict(strategies=["top", "bottom"], ks=[1], tasks=["rte"])
    one = _sweep("smoke", jobs=1, store_dir=tmp_path / "one", **grid, **quiet)
    two = _sweep("smoke", jobs=2, store_dir=tmp_path / "two", **grid, **quiet)
    a, b = _records(tmp_path / "one"), _records(tmp_path / "two")
    assert len(one) == len(two) == len(a) == len(b) == 9
    assert a.keys() == b.keys()
    for rid in a:  # tiny models: identical numbers whichever process trained them
        assert a[rid]["metrics"] == b[rid]["metrics"] and a[rid]["dropped"] == b[rid]["dropped"]
    # parallel_runs is what each training saw: 2 while another ran beside it, 1 if it ran alone
    # (the last one, say); the first two start together
    envs = [r["env"] for r in b.values() if not r.get("same_model_as")]
    assert {e["parallel_runs"] for e in envs} <= {1, 2} and max(e["parallel_runs"] for e in envs) == 2
    assert {e["parallel_runs"] for e in a.values() for e in [e["env"]]} == {1}


@pytest.mark.parametrize("jobs", [0, -1, 1.5, "2", True])
def test_bad_jobs_is_a_clear_error(jobs, tmp_path):
    with pytest.raises(ValueError, match="jobs.*integer >= 1"):
        sweep("smoke", jobs=jobs, store_dir=tmp_path, dry_run=True, **quiet)


def test_profile_jobs_is_validated(tmp_path):
    text = (Path(poorman.__file__).parent / "profiles" / "smoke.yaml").read_text()
    bad = tmp_path / "bad.yaml"
    bad.write_text(text + "\njobs: 0\n")
    with pytest.raises(ValueError, match=r"bad.yaml: `jobs` should be greater than or equal to 1, got 0"):
        load_profile(str(bad))
    assert load_profile("cpu").jobs == 2 and load_profile("smoke").jobs == 1 and load_profile("paper").jobs == 1
