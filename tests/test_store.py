"""The run store: stable run ids, atomic writes, corrupt files skipped (and redone), the cache."""

import copy
import json
import re
import warnings
from pathlib import Path

import pytest

from poorman.experiments.run.planning import run_spec
from poorman.experiments.profiles import load_profile
from poorman.experiments.sweep import plan, sweep
from poorman.experiments.store import records
from poorman.experiments.store.frame import results
from poorman.experiments.store.records import atomic_write_json, cached, finished_run_ids, run_id

ONE_RUN = dict(models=["tiny-random/distilbert"])  # the smoke grid cut to its reference run: 1 run


def smoke_spec(**changes):
    spec = run_spec(load_profile("smoke"), "tiny-random/bert", "pruned", "contribution", 1, "rte", 42).to_json()
    spec.update(changes)
    return spec


# ----------------------------------------------------------------------------- run ids

def test_run_id_is_stable_and_ignores_key_order():
    spec = smoke_spec()
    rid = run_id(spec)
    assert rid == run_id(smoke_spec()) == run_id(copy.deepcopy(spec))
    assert len(rid) == 16 and all(c in "0123456789abcdef" for c in rid)
    reordered = {k: spec[k] for k in reversed(list(spec))}
    reordered["train"] = {k: spec["train"][k] for k in reversed(list(spec["train"]))}
    assert list(reordered) != list(spec)
    assert run_id(reordered) == rid


@pytest.mark.parametrize("field,value", [
    ("profile", "cpu"), ("model", "tiny-random/xlnet"), ("role", "baseline"), ("strategy", "top"),
    ("k", 2), ("task", "mrpc"), ("seed", 43), ("calibration", None),
])
def test_any_field_change_gives_a_new_id(field, value):
    assert smoke_spec()[field] != value
    assert run_id(smoke_spec(**{field: value})) != run_id(smoke_spec())


@pytest.mark.parametrize("setting", ["max_train", "max_length", "learning_rate", "epochs", "batch_size",
                                     "group_by_length", "freeze_layers"])
def test_any_hyperparameter_change_gives_a_new_id(setting):
    spec = smoke_spec()
    changed = copy.deepcopy(spec)
    old = changed["train"][setting]
    changed["train"][setting] = {bool: lambda v: not v, list: lambda v: v + [0]}.get(
        type(old), lambda v: (v or 1) * 2)(old)
    assert run_id(changed) != run_id(spec)


def test_a_calibration_change_gives_a_new_id():
    spec = smoke_spec()
    calib = copy.deepcopy(spec)
    calib["calibration"]["examples"] += 1
    assert run_id(calib) != run_id(spec)


def test_every_run_of_a_grid_has_its_own_id(glue_from_hub):
    from poorman.experiments.sweep import expand_grid
    for name in ("smoke", "cpu", "paper"):
        specs = expand_grid(load_profile(name))
        assert len({run_id(s) for s in specs}) == len(specs)


# ----------------------------------------------------------------------------- atomic writes

def test_atomic_write_json_leaves_only_the_target(tmp_path):
    target = tmp_path / "runs" / "abc.json"
    atomic_write_json(target, {"a": 1, "b": [1, 2]})
    assert json.loads(target.read_text()) == {"a": 1, "b": [1, 2]}
    atomic_write_json(target, {"a": 2})  # replaces
    assert json.loads(target.read_text()) == {"a": 2}
    assert sorted(p.name for p in target.parent.iterdir()) == ["abc.json"]


def _failing_dump(obj, f, **kwargs):
    f.write('{"run_id": "abc", "metrics": {"sco')  # half a record reaches the temporary file...
    f.flush()
    raise RuntimeError("disk full")               # ...then the write dies


def test_failed_write_leaves_no_partial_target_and_no_temp_file(tmp_path, monkeypatch):
    folder = tmp_path / "runs"
    monkeypatch.setattr(records.json, "dump", _failing_dump)
    with pytest.raises(RuntimeError, match="disk full"):
        atomic_write_json(folder / "abc.json", {"run_id": "abc"})
    assert not (folder / "abc.json").exists()
    assert list(folder.iterdir()) == []  # the .tmp file is gone too


def test_failed_write_keeps_the_previous_version(tmp_path, monkeypatch):
    target = tmp_path / "runs" / "abc.json"
    atomic_write_json(target, {"version": 1})
    monkeypatch.setattr(records.json, "dump", _failing_dump)
    with pytest.raises(RuntimeError):
        atomic_write_json(target, {"version": 2})
    assert json.loads(target.read_text()) == {"version": 1}
    assert [p.name for p in target.parent.iterdir()] == ["abc.json"]


# ----------------------------------------------------------------------------- bad files

@pytest.fixture(scope="module")
def one_record(tmp_path_factory):
    """A real finished record of the smoke profile (one tiny run), made once for this module."""
    store = tmp_path_factory.mktemp("store") / "smoke"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        new = sweep("smoke", store_dir=store, log=lambda *a: None, **ONE_RUN)
    assert len(new) == 1
    path = records.run_path(store, new[0].run_id)
    return new[0].run_id, path.read_bytes()


def _corrupt(text):
    return text[: len(text) // 2]  # a record cut off mid-way (not something we write, but a disk can)


def _json_list(text):
    return json.dumps([json.loads(text)])


def _other_run_id(text):
    rec = json.loads(text)
    rec["run_id"] = "0" * 16
    return json.dumps(rec)


@pytest.mark.parametrize("damage,message", [(_corrupt, "corrupt"), (_json_list, "foreign"),
                                            (_other_run_id, "foreign")])
def test_bad_files_are_reported_skipped_and_redone(tmp_path, one_record, damage, message):
    rid, good = one_record
    store = tmp_path / "results" / "smoke"
    path = records.run_path(store, rid)
    path.parent.mkdir(parents=True)
    path.write_text(damage(good.decode()))

    with pytest.warns(UserWarning, match=f"{message}.*{re.escape(str(path))}"):
        assert finished_run_ids(store) == set()
    with pytest.warns(UserWarning, match=re.escape(str(path))):
        assert results("smoke").empty  # POORMAN_RESULTS points at tmp_path/results
    with pytest.warns(UserWarning, match=re.escape(str(path))):
        todo, done = plan(load_profile("smoke").with_overrides(
            prune_models=[], reference_models=ONE_RUN["models"]), store_dir=store)
    assert [run_id(s) for s in todo] == [rid] and done == []

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        new = sweep("smoke", log=lambda *a: None, **ONE_RUN)  # the store from POORMAN_RESULTS
    assert [r.run_id for r in new] == [rid]
    assert finished_run_ids(store) == {rid}
    rec = json.loads(path.read_text())
    assert rec["run_id"] == rid and "score" in rec["metrics"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the store is clean again: no more warnings
        assert len(results("smoke")) == 1


def test_a_good_record_beside_bad_ones_is_read(tmp_path, one_record):
    rid, good = one_record
    runs = tmp_path / "s" / "runs"
    runs.mkdir(parents=True)
    (runs / f"{rid}.json").write_bytes(good)
    (runs / "broken.json").write_text("{")
    (runs / f".{rid}.x1y2.tmp").write_text('{"run_id": ')  # a temporary file left by kill -9
    with pytest.warns(UserWarning, match="broken.json"):
        assert finished_run_ids(runs.parent) == {rid}
    with pytest.warns(UserWarning, match="broken.json"):
        df = results("smoke", store_dir=runs.parent)
    assert list(df["run_id"]) == [rid]


# ----------------------------------------------------------------------------- cache

def test_cached_computes_once_then_reads(tmp_path):
    calls = []

    def compute():
        calls.append(1)
        return {"cosine": [0.5, 0.25], "n": len(calls)}

    key = {"model": "m", "task": "rte", "examples": 16}
    first = cached(tmp_path, "layer_scores", key, compute)
    assert first == {"cosine": [0.5, 0.25], "n": 1}
    again = cached(tmp_path, "layer_scores", dict(reversed(list(key.items()))), compute)
    assert again == first and len(calls) == 1
    files = list((tmp_path / "cache" / "layer_scores").iterdir())
    assert len(files) == 1 and json.loads(files[0].read_text())["value"] == first

    other = cached(tmp_path, "layer_scores", {**key, "examples": 32}, compute)
    assert other["n"] == 2 and len(calls) == 2
    assert cached(tmp_path, "other_kind", key, compute)["n"] == 3  # kinds do not share entries

    files[0].write_text("{ not json")  # a damaged entry is reported and recomputed
    with pytest.warns(UserWarning, match=re.escape(str(files[0]))):
        assert cached(tmp_path, "layer_scores", key, compute)["n"] == 4
    assert cached(tmp_path, "layer_scores", key, compute)["n"] == 4


def test_results_dir_follows_poorman_results(tmp_path, monkeypatch):
    assert records.results_dir("smoke") == tmp_path / "results" / "smoke"
    monkeypatch.setenv("POORMAN_RESULTS", str(tmp_path / "elsewhere"))
    assert records.results_dir("cpu") == Path(tmp_path / "elsewhere" / "cpu")


# ----------------------------------------------------------------------------- where the store is

def test_the_default_root_is_results_under_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("POORMAN_RESULTS")
    monkeypatch.chdir(tmp_path)
    assert records.results_dir("smoke") == tmp_path / "results" / "smoke"
    assert records.results_dir("smoke", root=tmp_path / "r") == tmp_path / "r" / "smoke"


def test_the_store_never_imports_profiles():
    import ast
    source = Path(records.__file__).read_text()
    names = [n.module or "" for n in ast.walk(ast.parse(source)) if isinstance(n, ast.ImportFrom)]
    assert not [n for n in names if "profiles" in n] and "_toc.yml" not in source


@pytest.mark.parametrize("name", ["../../../etc", "/etc", "a/b", "..", "", "a b", "x.y", 42, None, ["a"]])
def test_a_path_like_profile_name_is_refused(name):
    with pytest.raises(ValueError, match="not a plain name: use letters, digits, - and _"):
        records.results_dir(name)
    with pytest.raises(ValueError, match="not a plain name"):
        results(name)


def test_results_refuse_a_path_like_profile(tmp_path):
    import poorman
    (tmp_path / "etc" / "runs").mkdir(parents=True)
    with pytest.raises(ValueError, match=r"profile name '\.\./etc' is not a plain name"):
        poorman.results("../etc")


def test_an_unwritable_store_fails_before_any_model_is_loaded(tmp_path, monkeypatch):
    from poorman.experiments.run import finetune
    from poorman.experiments.sweep import grid as sweep_module
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")

    def no_loading(*args, **kwargs):
        raise AssertionError("a model was loaded before the store was checked")
    monkeypatch.setattr(finetune, "load_for_classification", no_loading)
    monkeypatch.setattr(sweep_module, "fix_layers", no_loading)
    for dry_run in (False, True):
        with pytest.raises(OSError, match=r"the run store .*a-file/smoke is not writable .*POORMAN_RESULTS"):
            sweep("smoke", store_dir=blocker / "smoke", dry_run=dry_run, log=lambda *a: None, **ONE_RUN)
    assert blocker.read_text() == "not a folder"


@pytest.mark.parametrize("text", ['{"run_id": "0000000000000000"}', "[1, 2]", "{"])
def test_a_foreign_file_is_said_to_be_ignored(tmp_path, text):
    runs = tmp_path / "runs"
    runs.mkdir()
    (runs / "notes.json").write_text(text)
    with pytest.warns(UserWarning) as caught:
        assert finished_run_ids(tmp_path) == set()
    message = str(caught[0].message)
    assert "notes.json" in message and "ignored" in message and "redo" not in message
