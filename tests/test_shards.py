"""Shards on a shared store: 3 concurrent `poorman sweep --shard i/3` processes write into one store,
as the tasks of a Slurm job array do (scripts/slurm_sweep.sbatch). Their records must be a
single-process sweep's: same run ids, same metrics, and each distinct model trained once.

The grid (smoke profile, K=1) holds a pair of runs that train the very same model, top and
alternate-even (both drop the last of 6 layers), and puts them in different shards."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from poorman.experiments.run.spec import training_key
from poorman.experiments.profiles import load_profile
from poorman.experiments.store import records
from poorman.experiments.sweep import expand_grid, parse_shard

ROOT = Path(__file__).resolve().parents[1]
GRID = ["--strategies", "top", "alternate-even", "symmetric", "--ks", "1"]
SHARDS = 3
pytestmark = pytest.mark.slow  # the shards read GLUE from $POORMAN_GLUE_DIR: conftest's fixture copy


def sweep_cmd(*extra):
    return [sys.executable, "-m", "poorman.cli", "sweep", "--profile", "smoke", *GRID, *extra]


def env_for(store):
    # one thread each: the same arithmetic in every process, so equal specs give equal numbers
    return dict(os.environ, POORMAN_RESULTS=str(store), PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1",
                TQDM_DISABLE="1")


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    shared, single = tmp_path_factory.mktemp("shared"), tmp_path_factory.mktemp("single")
    shards = [subprocess.Popen(sweep_cmd("--shard", f"{i}/{SHARDS}"), cwd=ROOT, env=env_for(shared),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
              for i in range(SHARDS)]
    outputs = [p.communicate(timeout=900)[0] for p in shards]
    for p, out in zip(shards, outputs):
        assert p.returncode == 0, out[-4000:]
    alone = subprocess.run(sweep_cmd(), cwd=ROOT, env=env_for(single), capture_output=True, text=True, timeout=900)
    assert alone.returncode == 0, alone.stdout[-2000:] + alone.stderr[-4000:]
    read = lambda root: {r["run_id"]: r for r in records.iter_runs(root / "smoke")}  # noqa: E731
    return read(shared), read(single)


def test_the_grid_spreads_a_shared_model_over_two_shards():
    profile = load_profile("smoke").with_overrides(strategies=["top", "alternate-even", "symmetric"], ks=[1], model_ks={})
    specs = expand_grid(profile)
    shard_of = {records.run_id(s): j % SHARDS for j, s in enumerate(specs)}
    pair = [s for s in specs if s.model == "tiny-random/bert" and s.strategy in ("top", "alternate-even")]
    assert len({shard_of[records.run_id(s)] for s in pair}) == 2
    assert parse_shard(f"2/{SHARDS}") == (2, SHARDS)


def test_union_of_shards_equals_one_sweep(stores):
    shared, single = stores
    assert set(shared) == set(single)
    for rid, rec in single.items():
        assert shared[rid]["config"] == rec["config"]
        assert shared[rid]["dropped"] == rec["dropped"]
        assert shared[rid]["metrics"] == pytest.approx(rec["metrics"], rel=1e-6, abs=1e-9), rec["config"]


def test_each_model_is_trained_once_across_shards(stores):
    shared, single = stores
    trained = lambda recs: [training_key(r["config"], r["dropped"]) for r in recs.values()  # noqa: E731
                            if not r.get("same_model_as")]
    assert len(trained(single)) == len(set(trained(single)))
    assert sorted(trained(shared)) == sorted(trained(single))
