"""The run types: RunSpec and RunRecord to JSON and back, old records, the data source in ids, and a
smoke sweep that gives the records it gave before the engine was typed."""

import json
import math
import warnings
from pathlib import Path

import pydantic
import pytest

from poorman.experiments.run.planning import fix_layers, run_spec
from poorman.experiments.profiles import load_profile
from poorman.experiments.run.spec import RunRecord, RunSpec, run_id, training_key
from poorman.experiments.store import records
from poorman.experiments.sweep import expand_grid, sweep

ROOT = Path(__file__).resolve().parents[1]
BEFORE = json.loads((ROOT / "tests/fixtures/smoke_records_before.json").read_text())
VOLATILE = ("env", "timing", "run_id", "record_version", "same_model_as")


def cpu_records():
    return [json.loads(p.read_text()) for p in sorted((ROOT / "results/cpu/runs").glob("*.json"))]


# ----------------------------------------------------------------------------- JSON and back

def test_every_committed_record_loads_and_keeps_its_numbers():
    recs = cpu_records()
    assert len(recs) >= 200
    for raw in recs:
        rec = RunRecord.from_json(raw)
        assert rec.record_version == 1 and rec.config.data is None
        back = rec.to_json()
        assert back["config"]["train"] == {k: v for k, v in raw["config"]["train"].items() if k != "bf16"}
        assert {k: v for k, v in back.items() if k != "config"} == {k: v for k, v in raw.items() if k != "config"}
        assert RunRecord.from_json(back) == rec


def test_a_spec_is_frozen_and_round_trips(glue_dir):
    spec = run_spec(load_profile("smoke"), "tiny-random/bert", "pruned", "contribution", 1, "rte", 42)
    with pytest.raises(pydantic.ValidationError):
        spec.k = 2
    assert RunSpec.from_json(spec.to_json()) == spec
    assert spec.data["glue"] == "tsv" and set(spec.data["sha256"]) == {"train", "validation"}
    assert "dropped" not in spec.to_json() and spec.to_json()["calibration"] is not None
    with pytest.raises(pydantic.ValidationError, match="extra"):
        RunSpec.from_json({**spec.to_json(), "typo": 1})


def test_precision_is_not_part_of_a_run_id(glue_dir):
    spec = run_spec(load_profile("smoke"), "tiny-random/bert", "baseline", "none", 0, "rte", 42)
    for key, value in (("bf16", True), ("precision", "bf16")):
        other = RunSpec.from_json({**spec.to_json(), "train": {**spec.train, key: value}})
        assert other.run_id == spec.run_id and key not in other.train
        assert training_key(other.to_json(), []) == training_key(spec.to_json(), [])


def test_the_data_source_is_part_of_run_ids_and_cache_keys(tmp_path, glue_dir, monkeypatch):
    import shutil
    profile = load_profile("smoke")
    spec = run_spec(profile, "tiny-random/bert", "pruned", "contribution", 1, "rte", 42)
    moved = tmp_path / "glue"
    shutil.copytree(glue_dir, moved)
    monkeypatch.setenv("POORMAN_GLUE_DIR", str(moved))
    same_bytes = run_spec(profile, "tiny-random/bert", "pruned", "contribution", 1, "rte", 42)
    assert same_bytes.run_id == spec.run_id and same_bytes.data["path"] != spec.data["path"]
    with open(moved / "RTE" / "train.tsv", "a") as f:
        f.write("9999\tA new premise.\tA new hypothesis.\tentailment\n")
    changed = run_spec(profile, "tiny-random/bert", "pruned", "contribution", 1, "rte", 42)
    assert changed.run_id != spec.run_id
    monkeypatch.delenv("POORMAN_GLUE_DIR")
    hub = run_spec(profile, "tiny-random/bert", "pruned", "contribution", 1, "rte", 42)
    assert hub.data["glue"] == "hub" and hub.data["hub"] == "nyu-mll/glue" and hub.data["config"] == "rte"
    assert hub.run_id != spec.run_id


def test_layers_are_chosen_when_planned(tmp_path, glue_dir):
    profile = load_profile("smoke")
    spec = run_spec(profile, "tiny-random/bert", "pruned", "contribution", 2, "rte", 42)
    planned = fix_layers(spec, profile, tmp_path)
    assert len(planned.dropped) == 2 and len(planned.scores) == 6 and planned.run_id == spec.run_id
    key = json.loads(next((tmp_path / "cache" / "layer_scores").glob("*.json")).read_text())["key"]
    assert key["data"] == spec.data  # the scores name the rows they were computed on
    with pytest.raises(ValueError, match="planned"):
        spec.training_key  # noqa: B018


# ----------------------------------------------------------------------------- before and after

def _same(a, b, where):
    if isinstance(a, dict) and isinstance(b, dict):
        assert set(a) == set(b), f"{where}: keys {sorted(set(a) ^ set(b))}"
        for k in a:
            _same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            _same(x, y, f"{where}[{i}]")
    elif isinstance(a, float) or isinstance(b, float):
        assert math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9), f"{where}: {a} != {b}"
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def _identity(rec):
    cfg = {k: v for k, v in rec["config"].items() if k != "data"}
    cfg["train"] = {k: v for k, v in cfg["train"].items() if k != "bf16"}
    return json.dumps(cfg, sort_keys=True)


def compare_with_before(new_records):
    """Each new record against the record of the same run written before the engine was typed:
    equal field for field, except the data source, the ids, the version and what is timed."""
    old_by_identity = {_identity(r): r for r in BEFORE.values()}
    new_records = [r for r in new_records if _identity(r) in old_by_identity]  # strategies added since: new
    new_id_of_old = {old_by_identity[_identity(r)]["run_id"]: r["run_id"] for r in new_records}
    for new in new_records:
        old = old_by_identity[_identity(new)]
        assert new["record_version"] == 2 and old["record_version"] == 1
        assert new.get("same_model_as") == new_id_of_old.get(old.get("same_model_as"), old.get("same_model_as"))
        assert new["env"]["precision"] == "fp32"
        latency = {k: v for k, v in new["latency"].items() if k not in ("median_ms", "times_ms")}
        strip = lambda r: {k: v for k, v in r.items() if k not in VOLATILE}  # noqa: E731
        _same(strip({**new, "latency": latency, "config": json.loads(_identity(new))}),
              strip({**old, "config": json.loads(_identity(old))}), new["config"]["strategy"])
    return len(new_records)


@pytest.mark.slow  # the whole smoke grid: ~25 s
def test_a_smoke_sweep_gives_the_records_it_gave_before(tmp_path, monkeypatch):
    monkeypatch.setenv("POORMAN_PRECISION", "fp32")  # the records before were trained in fp32
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        new = sweep("smoke", store_dir=tmp_path, log=lambda *a: None)
    assert len(new) == len(expand_grid(load_profile("smoke"))) >= len(BEFORE)
    on_disk = [json.loads(p.read_text()) for p in (tmp_path / "runs").glob("*.json")]
    assert sorted(r["run_id"] for r in on_disk) == sorted(r.run_id for r in new)
    assert compare_with_before(on_disk) == len(BEFORE)
