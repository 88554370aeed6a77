"""The sweep: the smoke grid end to end, skipping finished runs, kill -9 and resume, shards, grid sizes."""

import json
import os
import re
import signal
import subprocess
import sys
import time
import warnings
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest
import yaml

import poorman
from poorman.experiments.profiles import load_profile
from poorman.experiments.sweep import expand_grid, parse_shard, plan, sweep
from poorman.experiments.store import records

ROOT = Path(__file__).resolve().parents[1]
GRID = dict(strategies=["top", "contribution"], ks=[1])  # smoke: 2 models x (2 baselines + 2) + 1 reference
quiet = dict(log=lambda *a: None)


def _sweep(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sweep(*args, **kwargs)


@pytest.fixture(scope="module")
def smoke_store(tmp_path_factory):
    """The smoke sweep (restricted grid) run once into a temporary store: (store root, new records)."""
    root = tmp_path_factory.mktemp("results")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("POORMAN_RESULTS", str(root))
        mp.setenv("POORMAN_PRECISION", "fp32")  # as the records of tests/fixtures/smoke_records_before.json
        new = _sweep("smoke", **GRID, **quiet)
    return root, new


def expected_smoke_specs():
    profile = load_profile("smoke").with_overrides(model_ks={}, **GRID)
    return expand_grid(profile)


# ----------------------------------------------------------------------------- end to end

def test_smoke_sweep_end_to_end(smoke_store, monkeypatch):
    root, new = smoke_store
    specs = expected_smoke_specs()
    assert len(specs) == 9
    assert sorted(r.run_id for r in new) == sorted(s.run_id for s in specs)
    monkeypatch.setenv("POORMAN_RESULTS", str(root))
    df = poorman.results("smoke")
    assert isinstance(df, pd.DataFrame) and len(df) == 9 and df["run_id"].is_unique
    for col in ("run_id", "profile", "model", "role", "strategy", "k", "task", "seed", "num_layers",
                "original_layers", "dropped", "score", "metric_accuracy", "params_total", "train_seconds",
                "train_examples_per_s", "eval_seconds", "latency_ms", "checkpoint_bytes", "finished_at"):
        assert col in df.columns, col
    assert df["score"].between(0, 1).all() and df["latency_ms"].gt(0).all()
    assert set(df["task"]) == {"rte"} and set(df["profile"]) == {"smoke"}
    assert sorted(df.groupby("role").size().items()) == [("baseline", 4), ("pruned", 4), ("reference", 1)]
    pruned = df[df.role == "pruned"]
    assert set(pruned.strategy) == {"top", "contribution"} and set(pruned.k) == {1}
    assert (pruned.num_layers == pruned.original_layers - 1).all()
    assert (df[df.role != "pruned"].dropped == ()).all()
    top = pruned[pruned.strategy == "top"]
    assert set(top.dropped) == {(5,)}  # the 6-layer tiny models lose their last layer
    # a pruned model has fewer parameters than its baseline
    for model, rows in df[df.role != "reference"].groupby("model"):
        assert rows[rows.role == "pruned"].params_total.max() < rows[rows.role == "baseline"].params_total.min()


def test_records_hold_everything(smoke_store):
    root, new = smoke_store
    for rec in new:
        on_disk = json.loads(records.run_path(root / "smoke", rec.run_id).read_text())
        assert on_disk == rec.to_json()
        assert on_disk["record_version"] == records.RECORD_VERSION
        assert on_disk["run_id"] == records.run_id(on_disk["config"])
        cfg = on_disk["config"]
        assert {"profile", "model", "role", "strategy", "k", "task", "seed", "train", "calibration"} <= set(cfg)
        assert cfg["train"] == {k: v for k, v in load_profile("smoke").train.items() if k != "bf16"}
        assert cfg["data"]["glue"] == "tsv" and set(cfg["data"]["sha256"]) == {"train", "validation"}
        L = on_disk["original_layers"]
        assert sorted(on_disk["dropped"] + on_disk["kept"]) == list(range(L))
        assert len(on_disk["dropped"]) == cfg["k"] and on_disk["num_layers"] == L - cfg["k"]
        assert "score" in on_disk["metrics"] and "accuracy" in on_disk["metrics"]
        assert on_disk["timing"]["train_seconds"] > 0 and on_disk["timing"]["train_examples_per_s"] > 0
        assert on_disk["params"]["total"] > 0
        assert on_disk["latency"]["median_ms"] > 0
        assert on_disk["checkpoint_bytes"] > 0
        assert on_disk["num_train_examples"] == 32 and on_disk["num_eval_examples"] == {"validation": 32}
        env = on_disk["env"]
        for key in ("poorman", "torch", "transformers", "datasets", "python", "git_commit", "date"):
            assert key in env, key
        assert env["transformers"] and env["torch"] and env["date"][:2] == "20"
        if (ROOT / ".git").exists():
            assert len(env["git_commit"]) == 40
        if cfg["strategy"] == "contribution":
            assert cfg["calibration"] == load_profile("smoke").calibration
            assert len(on_disk["layer_scores"]) == L
            # the dropped layer is the one whose output is most like its input
            cos = on_disk["layer_scores"]
            assert on_disk["dropped"] == [max(range(L), key=lambda i: (cos[i], i))]
        else:
            assert cfg["calibration"] is None and on_disk["layer_scores"] is None
        if cfg["role"] != "pruned":  # the unpruned runs say how much fine-tuning moved each layer
            sim = on_disk["layer_similarity_to_pretrained"]
            assert [row["layer"] for row in sim] == list(range(L + 1))
    assert (root / "smoke" / "cache" / "layer_scores").is_dir()  # calibration scores are cached


def test_a_second_sweep_runs_nothing(smoke_store, monkeypatch):
    root, _ = smoke_store
    monkeypatch.setenv("POORMAN_RESULTS", str(root))
    before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in (root / "smoke" / "runs").iterdir()}
    lines = []
    assert _sweep("smoke", **GRID, log=lines.append) == []
    assert "9 already done, 0 to run" in lines[0]
    after = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in (root / "smoke" / "runs").iterdir()}
    assert after == before
    todo, done = plan(load_profile("smoke").with_overrides(model_ks={}, **GRID))
    assert todo == [] and len(done) == 9


@pytest.mark.skipif(not (ROOT / ".git").exists(), reason="not a git checkout")
def test_git_commit_is_poorman_s_own_wherever_the_sweep_starts(tmp_path, monkeypatch):
    from poorman.experiments.run.finetune import environment
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    monkeypatch.chdir(tmp_path)  # not a git repository
    assert environment()["git_commit"] == head


# ----------------------------------------------------------------------------- kill -9 and resume

@pytest.mark.slow  # a sweep in a subprocess, killed and restarted: ~30 s on 2 busy cores
def test_kill_9_then_resume(tmp_path, monkeypatch):
    store = tmp_path / "results"
    runs = store / "smoke" / "runs"
    grid = ["--strategies", "top", "--ks", "1"]  # 7 runs: 2 x (2 baselines + top) + the reference
    env = {**os.environ, "POORMAN_RESULTS": str(store), "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1",
           "TOKENIZERS_PARALLELISM": "false"}
    proc = subprocess.Popen([sys.executable, "-m", "poorman.cli", "sweep", "--profile", "smoke", *grid],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 240
        while not (runs.is_dir() and any(runs.glob("*.json"))):
            if proc.poll() is not None:
                pytest.fail(f"the sweep exited ({proc.returncode}) before writing a record: "
                            f"{proc.stderr.read().decode()[-3000:]}")
            if time.monotonic() > deadline:
                pytest.fail("no run record after 240 s")
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL

    specs = {records.run_id(s): s for s in
             expand_grid(load_profile("smoke").with_overrides(model_ks={}, strategies=["top"], ks=[1]))}
    assert len(specs) == 7
    first = {}
    for path in runs.iterdir():
        if path.suffix == ".tmp":  # an unfinished write: allowed, and never read
            assert path.name.startswith(".")
            continue
        if path.suffix == ".lock":  # the lock of the training it was killed in: stale now
            assert json.loads(path.read_text())["pid"] == proc.pid
            continue
        assert path.suffix == ".json"
        rec = json.loads(path.read_text())  # complete: no partial files
        assert rec["run_id"] == path.stem and path.stem in specs
        assert "score" in rec["metrics"] and "env" in rec
        first[path.name] = path.read_bytes()
    assert 1 <= len(first) < len(specs)

    monkeypatch.setenv("POORMAN_RESULTS", str(store))
    new = _sweep("smoke", strategies=["top"], ks=[1], **quiet)
    assert len(new) == len(specs) - len(first)
    assert not {f"{r.run_id}.json" for r in new} & set(first)  # finished runs are not redone
    for name, data in first.items():
        assert (runs / name).read_bytes() == data
    assert {p.stem for p in runs.glob("*.json")} == set(specs)
    assert not list(runs.glob("*.lock"))  # the dead sweep's lock was taken over, then released
    assert records.finished_run_ids(store / "smoke") == set(specs)
    assert len(poorman.results("smoke")) == len(specs)


# ----------------------------------------------------------------------------- shards

@pytest.mark.parametrize("name,n", [("cpu", 2), ("cpu", 3), ("paper", 2), ("smoke", 2)])
def test_shards_partition_the_grid(tmp_path, name, n, glue_from_hub):
    profile = load_profile(name)
    grid = [records.run_id(s) for s in expand_grid(profile)]
    shards = [[records.run_id(s) for s in plan(profile, (i, n), store_dir=tmp_path)[0]] for i in range(n)]
    assert all(shards)
    assert sum(len(s) for s in shards) == len(grid)  # disjoint...
    assert set().union(*shards) == set(grid)         # ...and complete
    assert [s for sh in shards for s in sh] != grid or n == 1
    assert max(len(s) for s in shards) - min(len(s) for s in shards) <= 1  # balanced
    assert plan(profile, (0, 1), store_dir=tmp_path)[0] == expand_grid(profile)


def test_shards_skip_finished_runs(tmp_path):
    profile = load_profile("cpu")
    grid = expand_grid(profile)
    for spec in grid[:5]:  # pretend the first five runs are finished
        records.write_run(tmp_path, {"run_id": spec.run_id, "config": spec.to_json(), "metrics": {"score": 0.5}})
    todo0, done0 = plan(profile, (0, 2), store_dir=tmp_path)
    todo1, done1 = plan(profile, (1, 2), store_dir=tmp_path)
    assert len(done0) == 3 and len(done1) == 2
    assert len(todo0) + len(todo1) == len(grid) - 5


@pytest.mark.parametrize("text,expected", [("0/1", (0, 1)), ("0/2", (0, 2)), ("1/2", (1, 2)), (" 3/4 ", (3, 4))])
def test_parse_shard(text, expected):
    assert parse_shard(text) == expected


@pytest.mark.parametrize("text,message", [("3/2", "0 <= i < n"), ("2/2", "0 <= i < n"), ("-1/2", "0 <= i < n"),
                                          ("1/0", "n >= 1"), ("x", "i/n"), ("1/2/3", "i/n"),
                                          ("", "i/n"), ("a/b", "i/n")])
def test_parse_shard_errors(text, message):
    with pytest.raises(ValueError, match="--shard") as err:
        parse_shard(text)
    assert message in str(err.value)


def test_cli_bad_shard_is_a_message(capsys):
    from poorman.cli import main
    with pytest.raises(SystemExit) as err:
        main(["sweep", "--profile", "smoke", "--shard", "3/2", "--dry-run"])
    assert "--shard 3/2" in str(err.value.code)


# ----------------------------------------------------------------------------- grid sizes

def _raw(name):
    return yaml.safe_load((resources.files("poorman.profiles") / f"{name}.yaml").read_text())


def _count_from_yaml(raw):
    """The grid size computed from the YAML alone, independently of expand_grid."""
    seeds, base = raw["seeds"], raw.get("baseline_seeds", raw["seeds"])
    per_task = 0
    for m in raw["models"]["prune"]:
        ks = m["ks"] if isinstance(m, dict) and "ks" in m else raw["ks"]
        per_task += len(base) + len(raw["strategies"]) * len(ks) * len(seeds)
    per_task += len(raw["models"].get("reference", [])) * len(seeds)
    return len(raw["tasks"]) * per_task


@pytest.mark.parametrize("name", ["smoke", "cpu", "paper"])
def test_grid_size_matches_the_yaml(name, glue_from_hub):
    raw = _raw(name)
    specs = expand_grid(load_profile(name))
    assert len(specs) == _count_from_yaml(raw)
    roles = pd.Series([s.role for s in specs]).value_counts().to_dict()
    n_tasks, n_prune = len(raw["tasks"]), len(raw["models"]["prune"])
    assert roles["baseline"] == n_tasks * n_prune * len(raw.get("baseline_seeds", raw["seeds"]))
    assert roles.get("reference", 0) == n_tasks * len(raw["models"].get("reference", [])) * len(raw["seeds"])
    assert {s.task for s in specs} == set(raw["tasks"])


def test_grid_sizes_by_hand(glue_from_hub):
    # cpu: 4 tasks x (MPNet: 3 baseline seeds + 9 strategies x K in {2,4,6} x 3 seeds
    #                 + MiniLM: 3 reference seeds)
    assert len(expand_grid(load_profile("cpu"))) == 4 * (3 + 9 * 3 * 3 + 3) == 348
    # quick: SST-2 x (1 baseline + 7 strategies at K = 6 + 1 reference)
    assert len(expand_grid(load_profile("quick"))) == 1 + 7 + 1 == 9
    # paper: 9 tasks x (4 pruned models x (1 baseline + 8 strategies x 3 K) + DistilBERT)
    assert len(expand_grid(load_profile("paper"))) == 9 * (4 * (1 + 8 * 3) + 1) == 909
    # smoke: 1 task x (BERT: 2 baselines + 9 x 2 K; XLNet: 2 + 9 x 1 K; DistilBERT)
    assert len(expand_grid(load_profile("smoke"))) == (2 + 9 * 2) + (2 + 9 * 1) + 1 == 32
    # colab: 4 tasks x (BERT, XLNet: 3 baselines + top, bottom x 3 K x 3 seeds; DistilBERT x 3
    #                   + 5 other strategies on BERT at K=6, 1 seed): tests/test_cell_seeds.py
    assert len(expand_grid(load_profile("colab"))) == 4 * (2 * (3 + 2 * 3 * 3) + 3 + 5) == 200


def test_cpu_grid_has_three_paired_seeds_per_cell():
    cells = {}
    for s in expand_grid(load_profile("cpu")):
        cells.setdefault((s.model, s.role, s.strategy, s.k, s.task), []).append(s.seed)
    assert {tuple(seeds) for seeds in cells.values()} == {(42, 43, 44)}
    assert {(m, r) for m, r, *_ in cells} == {("sentence-transformers/all-mpnet-base-v2", "pruned"),
                                               ("sentence-transformers/all-mpnet-base-v2", "baseline"),
                                               ("sentence-transformers/all-MiniLM-L6-v2", "reference")}


def test_dry_run_trains_nothing(tmp_path):
    lines = []
    assert sweep("smoke", dry_run=True, store_dir=tmp_path, log=lines.append) == []
    assert "32 runs" in lines[0] and "32 to run" in lines[0]
    assert not (tmp_path / "runs").exists()


@pytest.mark.real
def test_dry_run_of_the_cpu_grid(tmp_path):
    from poorman.experiments.models import model_config
    try:
        for model in load_profile("cpu").prune_models:
            model_config(model)
    except OSError as err:
        pytest.skip(f"the cpu profile's models are not in the Hugging Face cache (scripts/offline_models.py): {err}")
    lines = []
    assert sweep("cpu", dry_run=True, store_dir=tmp_path, log=lines.append) == []
    assert "348 runs" in lines[0] and "348 to run" in lines[0]
    assert not (tmp_path / "runs").exists()


# ----------------------------------------------------------------------------- bad input, before any work

@pytest.mark.parametrize("args,message", [
    (["--strategies", "nope"], r"unknown strategies \['nope'\]; known: top, bottom"),
    (["--tasks", "nope"], "unknown task 'nope'"),
    (["--models", "tiny-random/nope"], r"models \['tiny-random/nope'\] are not in profile 'smoke'"),
    (["--ks", "0"], r"ks \[0\]: each K is a number of layers to drop, an integer >= 1"),
    (["--ks", "-1"], r"ks \[-1\]"),
    (["--ks", "6"], r"tiny-random/bert, strategy top: k must be in 0..5 for a 6-layer model"),
    (["--ks", "4", "--strategies", "alternate-even"], "alternate-even"),
])
def test_bad_sweep_arguments_fail_in_a_dry_run(tmp_path, monkeypatch, args, message):
    from poorman.cli import main
    monkeypatch.setenv("POORMAN_RESULTS", str(tmp_path / "results"))
    with pytest.raises(SystemExit) as err:
        main(["sweep", "--profile", "smoke", "--dry-run", *args])
    assert re.search(message, str(err.value.code)), err.value.code
    assert str(err.value.code).startswith("poorman sweep: ")
    assert not (tmp_path / "results").exists()


# ----------------------------------------------------------------------------- run ids do not move

# The ids since the data source is part of them (issue 21): the sha256 of tests/fixtures/glue/RTE's
# files. The ids before were 02335618551d4026 ...; `poorman migrate-store` carries a store over.
SMOKE_RUN_IDS = """02f11e13dc69587b 0f0933ce677abd86 1d29136957feb050 23d279136a748691 35bd8a124167192f 446950e357a4e983
    462ca8d1dda6ac75 52ebd268d8d504ac 633d590c17bde930 6823ada81da5f073 7133137f201eb779 7b64bc116dff4ce2
    86a42f729ed79110 8d21e9308872cb38 95c71c5efbd5bead 9a10b53fc1943032 a026cb15d2dc2ada ad8101d2388743e6
    b3caaadc01000da5 b9e56a471915800f d2ef23cea5114703 da4d6b943b77b93a da6cad1802c56a3c e835523cb53bf411
    e8540d7e00e1377a ff4fc74a704a1e3f""".split()


def test_smoke_run_ids_are_those_of_the_records_already_written():
    """The ids of the smoke grid: a change to what goes into a spec would orphan every record of a
    running sweep, unless the store is migrated (store/migrate.py). The strategies added since (the
    parameter-based ones) add runs and move none."""
    older = [s for s in expand_grid(load_profile("smoke")) if not s.strategy.startswith("param-")]
    assert sorted(records.run_id(s) for s in older) == SMOKE_RUN_IDS


def test_the_smoke_records_are_those_of_the_engine_before_it_was_typed(smoke_store):
    from test_run_types import compare_with_before
    root, new = smoke_store
    compare_with_before([json.loads(p.read_text()) for p in (root / "smoke" / "runs").glob("*.json")])


# ----------------------------------------------------------------------------- a quiet terminal

def test_a_sweep_prints_one_line_per_run_and_nothing_of_the_trainer(tmp_path, monkeypatch, capfd):
    from poorman.cli import main
    monkeypatch.setenv("POORMAN_RESULTS", str(tmp_path / "results"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        main(["sweep", "--profile", "smoke", "--models", "tiny-random/distilbert"])
    out, err = capfd.readouterr()
    assert re.search(r"^rte distilbert none K=0 seed=42: accuracy 0\.\d{4} \(trained in \d+s\)$", out, re.M), out
    for noise in ("train_runtime", "eval_loss", "Writing model shards", "Map", "it/s]"):
        assert noise not in out + err, noise
    assert "sweep smoke" in err  # the one bar, over runs


def _fake_record(model, strategy, k, task, score, metrics):
    spec = {"profile": "smoke", "model": model, "role": "pruned" if k else "baseline", "strategy": strategy,
            "k": k, "task": task, "seed": 42, "train": {}}
    return {"run_id": records.run_id(spec), "config": spec, "num_layers": 12 - k, "original_layers": 12,
            "dropped": list(range(k)), "metrics": {**metrics, "score": score}, "params": {"total": 1},
            "timing": {"train_seconds": 1.0, "train_examples_per_s": 1.0, "eval_seconds": 1.0},
            "latency": {"median_ms": 1.0}, "checkpoint_bytes": 1, "env": {"date": "2025-01-01"}}


def test_results_name_the_metric_and_show_every_column_when_piped(tmp_path, monkeypatch, capsys):
    from poorman.cli import main
    store = tmp_path / "results" / "smoke"
    long_name = "some-organisation/a-rather-long-model-name-for-a-narrow-terminal"
    for task, metrics in [("rte", {"accuracy": 0.61}), ("mrpc", {"f1": 0.8, "accuracy": 0.7}),
                          ("cola", {"matthews_correlation": 0.3}), ("stsb", {"pearson": 0.8, "spearmanr": 0.7}),
                          ("sst2", {"accuracy": 0.9}), ("qnli", {"accuracy": 0.85})]:
        for k in (0, 2, 4):
            records.write_run(store, _fake_record(long_name, "top" if k else "none", k, task, 0.5 + k / 100, metrics))
    monkeypatch.setenv("POORMAN_RESULTS", str(tmp_path / "results"))
    monkeypatch.setenv("COLUMNS", "40")  # a narrow terminal; capsys is a pipe
    main(["results", "--profile", "smoke"])
    out = capsys.readouterr().out
    assert "..." not in out and "18 runs in" in out
    for column in ("rte accuracy", "mrpc accuracy/f1", "cola matthews_correlation", "stsb pearson/spearmanr",
                   "sst2 accuracy", "qnli accuracy", "mean"):
        assert column in out, column
    assert long_name in out and "0.5400" in out
