"""`poorman migrate-store`: records and caches of the old identity carried to the current one, no retraining."""

import json
import warnings
from pathlib import Path

import pandas as pd
import pytest

import poorman
from poorman.experiments.run import planning
from poorman.experiments.profiles import load_profile
from poorman.experiments.store import records
from poorman.experiments.store.migrate import migrate_store
from poorman.experiments.sweep import expand_grid, plan

ROOT = Path(__file__).resolve().parents[1]
BEFORE = json.loads((ROOT / "tests/fixtures/smoke_records_before.json").read_text())
NEWER = {"param-aggregation", "param-variance"}  # strategies added to the smoke profile after the fixture


def old_smoke_store(root, bf16=False):
    """The smoke grid's records as the engine wrote them before the data source was in run ids."""
    store = root / "smoke"
    for rec in BEFORE.values():
        rec = json.loads(json.dumps(rec))
        rec["config"]["train"]["bf16"] = bf16
        rec["timing"] = {"train_seconds": 1.0, "eval_seconds": 1.0, "train_examples_per_s": 32.0}
        rec["env"] = {"date": "2026-12-04T21:00:03+00:00", "torch": "2"}
        rec["run_id"] = records.run_id(rec["config"])  # the old rule: train.bf16 was part of the id
        records.atomic_write_json(records.run_path(store, rec["run_id"]), rec)
    same = {old: records.run_id({**BEFORE[old]["config"], "train": {**BEFORE[old]["config"]["train"], "bf16": bf16}})
            for old in BEFORE}
    for path in (store / "runs").glob("*.json"):  # same_model_as, under the ids of this old store
        rec = json.loads(path.read_text())
        if rec.get("same_model_as"):
            rec["same_model_as"] = same[rec["same_model_as"]]
            path.write_text(json.dumps(rec))
    return store


def _results(store):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return poorman.results("smoke", store_dir=store)


def test_a_migrated_store_holds_the_grid_with_the_same_numbers(tmp_path, glue_dir):
    store = old_smoke_store(tmp_path, bf16=True)
    before = _results(store)
    todo, _ = plan(load_profile("smoke"), store_dir=store)
    assert len([s for s in todo if s.strategy not in NEWER]) == len(BEFORE)  # old ids: a sweep would train it all again

    report = migrate_store(store, glue_dir)
    assert len(report.renamed) == len(BEFORE) and report.unchanged == 0
    todo, done = plan(load_profile("smoke"), store_dir=store)
    assert len(done) == len(BEFORE) and {s.strategy for s in todo} <= NEWER  # only strategies added since
    after = _results(store)
    ids = report.renamed
    before = before.assign(run_id=before.run_id.map(ids),
                           same_model_as=before.same_model_as.map(lambda x: ids.get(x, x) if isinstance(x, str) else x))
    pd.testing.assert_frame_equal(after.set_index("run_id").sort_index(),
                                  before.set_index("run_id").sort_index()[after.columns.drop("run_id")])
    for path in (store / "runs").glob("*.json"):
        rec = json.loads(path.read_text())
        assert rec["record_version"] == 2 and rec["env"]["precision"] == "bf16" and "bf16" not in rec["config"]["train"]
        assert rec["config"]["data"]["sha256"] and rec["run_id"] == path.stem
        assert rec.get("same_model_as") is None or (store / "runs" / f"{rec['same_model_as']}.json").is_file()

    again = migrate_store(store, glue_dir)
    assert again.renamed == {} and again.unchanged == len(BEFORE) and again.caches == {}


def test_layer_score_caches_are_rekeyed_by_data_source(tmp_path, glue_dir, monkeypatch):
    store = old_smoke_store(tmp_path)
    profile = load_profile("smoke")
    key = {"model": "tiny-random/bert", "task": "rte", **profile.calibration, "max_length": 32}
    read_by_this_profile = {"cosine": [0.1] * 6, "boundary_cosine": [0.0] * 7, "meta": {}, "num_examples": 16,
                            "token": "mean"}
    other_rows = {**read_by_this_profile, "cosine": [0.9] * 6}
    for flag, value in ((False, read_by_this_profile), (True, other_rows)):
        k = {**key, "glue_dir": flag}
        records.atomic_write_json(records.cache_path(store, "layer_scores", k), {"kind": "layer_scores", "key": k, "value": value})
    report = migrate_store(store, glue_dir)
    assert len(report.caches) == 1 and len(report.dropped_caches) == 1

    def no_computing(*args, **kwargs):
        raise AssertionError("the migrated cache was not found")
    monkeypatch.setattr(planning, "_layer_scores", no_computing)
    scores = planning.calibration_scores("tiny-random/bert", "rte", profile, store)
    assert scores.cosine.tolist() == [0.1] * 6


def test_the_cli_verb(tmp_path, glue_dir, capsys):
    from poorman.cli import main
    store = old_smoke_store(tmp_path)
    main(["migrate-store", "--store", str(store), "--glue-dir", str(glue_dir), "--dry-run"])
    assert "dry run, nothing written: 26 records migrated" in capsys.readouterr().out
    assert {p.stem for p in (store / "runs").glob("*.json")} == {records.run_id(r["config"]) for r in
                                                                   (json.loads(p.read_text()) for p in (store / "runs").glob("*.json"))}
    main(["migrate-store", "--store", str(store), "--glue-dir", str(glue_dir)])
    assert {p.stem for p in (store / "runs").glob("*.json")} <= {s.run_id for s in expand_grid(load_profile("smoke"))}
    with pytest.raises(SystemExit, match="not a run store"):
        main(["migrate-store", "--store", str(tmp_path / "nothing")])


def test_a_sweep_on_a_store_of_the_old_identity_says_how_to_migrate(tmp_path, glue_dir):
    from poorman.experiments.sweep import sweep
    store = old_smoke_store(tmp_path)
    lines = []
    sweep("smoke", store_dir=store, dry_run=True, log=lines.append)
    assert "26 records in" in lines[1] and "poorman migrate-store --profile smoke" in lines[1]
    migrate_store(store, glue_dir)
    lines.clear()
    sweep("smoke", store_dir=store, dry_run=True, log=lines.append)
    assert len(lines) == 1 and "26 already done" in lines[0]
