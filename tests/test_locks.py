"""Sweeps that share a store: a lock per training, an flock that the operating system releases
when its holder dies (whatever pid its file names), and two identical sweeps started at once train
each model once and both see every record."""

import fcntl
import json
import os
import re
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest

from poorman.experiments.sweep import schedule as sweep_module
from poorman.experiments.run.planning import fix_layers, run_spec
from poorman.experiments.sweep.schedule import train_one
from poorman.experiments.profiles import load_profile
from poorman.experiments.store import locks, records
from poorman.experiments.sweep import expand_grid, sweep

ROOT = Path(__file__).resolve().parents[1]
# tiny BERT: 2 baselines, top and alternate-even (the same model at K=1) and symmetric: 5 runs, 4 models
GRID = ["--models", "tiny-random/bert", "--strategies", "top", "alternate-even", "symmetric", "--ks", "1"]


def _dead_pid():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _write_lock(store, key, pid, host=None):
    """A lock file naming `pid`, which no process holds (as a killed sweep leaves it)."""
    path = locks.lock_path(store, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"pid": pid, "host": host or socket.gethostname(), "token": "x"}))
    return path


def _hold(store, key, pid):
    """A lock file naming `pid` and held, as a live sweep holds it: returns the open file that
    holds the flock (closing it releases the lock)."""
    path = _write_lock(store, key, pid)
    held = open(path)
    fcntl.flock(held, fcntl.LOCK_EX)
    return held


def test_a_lock_is_taken_once_and_released_by_its_owner(tmp_path):
    owner = locks.try_lock(tmp_path, "k1")
    assert owner["pid"] == os.getpid() and owner["host"] == socket.gethostname()
    assert locks.lock_path(tmp_path, "k1").is_file() and locks.is_locked(tmp_path, "k1")
    assert locks.try_lock(tmp_path, "k1") is None  # held by a live process: this one
    assert locks.try_lock(tmp_path, "k2") is not None  # one lock per training
    locks.release(tmp_path, "k1", {**owner, "token": "someone else"})
    assert locks.lock_path(tmp_path, "k1").exists()  # only the owner removes it
    locks.release(tmp_path, "k1", owner)
    assert not locks.lock_path(tmp_path, "k1").exists() and not locks.is_locked(tmp_path, "k1")
    assert locks.try_lock(tmp_path, "k1") is not None


def test_a_dead_process_lock_is_taken_over(tmp_path):
    path = _write_lock(tmp_path, "k", _dead_pid())
    assert not locks.is_locked(tmp_path, "k")
    owner = locks.try_lock(tmp_path, "k")
    assert owner is not None and json.loads(path.read_text()) == owner
    assert [p.name for p in path.parent.iterdir()] == ["k.lock"]  # nothing left aside


def test_a_lock_of_another_host_is_left_alone(tmp_path):
    _write_lock(tmp_path, "k", _dead_pid(), host="some-other-machine")
    assert locks.is_locked(tmp_path, "k") and locks.try_lock(tmp_path, "k") is None


def test_an_empty_lock_is_free_unless_held(tmp_path):
    path = locks.lock_path(tmp_path, "k")
    path.parent.mkdir(parents=True)
    path.write_text("")  # created, owner not yet written
    held = open(path)
    fcntl.flock(held, fcntl.LOCK_EX)  # by a process between its flock and its write
    assert locks.is_locked(tmp_path, "k") and locks.try_lock(tmp_path, "k") is None
    held.close()  # that process died before writing its name
    assert not locks.is_locked(tmp_path, "k") and locks.try_lock(tmp_path, "k") is not None


@pytest.mark.parametrize("pid", [1, os.getpid()], ids=["pid-1", "own-pid"])
def test_a_left_lock_naming_a_live_pid_is_free(tmp_path, pid):
    """Issue 22: kill -9 leaves the lock file; a live process with the pid it names (pid reuse,
    a container's pid 1, the caller itself) does not hold it."""
    _write_lock(tmp_path, "k", pid)
    assert not locks.is_locked(tmp_path, "k") and locks.trainings_running(tmp_path) == 0
    owner = locks.try_lock(tmp_path, "k")
    assert owner is not None and owner["pid"] == os.getpid()


def test_a_lock_is_released_when_its_holder_is_killed(tmp_path):
    script = ("import sys, time; from poorman.experiments.store import locks\n"
              "print(locks.try_lock(sys.argv[1], 'k') is not None, flush=True); time.sleep(600)\n")
    holder = subprocess.Popen([sys.executable, "-c", script, str(tmp_path)], stdout=subprocess.PIPE,
                              text=True, cwd=ROOT)
    assert holder.stdout.readline().strip() == "True"
    assert locks.is_locked(tmp_path, "k") and locks.try_lock(tmp_path, "k") is None
    holder.kill()  # SIGKILL: no clean-up; the file stays, naming a pid that may come back
    holder.wait()
    assert locks.lock_path(tmp_path, "k").exists() and not locks.is_locked(tmp_path, "k")
    assert locks.try_lock(tmp_path, "k") is not None


def test_trainings_running_counts_live_locks_on_this_host(tmp_path):
    assert locks.trainings_running(tmp_path) == 0
    locks.try_lock(tmp_path, "a")
    held = _hold(tmp_path, "b", os.getppid())
    _write_lock(tmp_path, "c", os.getppid())  # names a live process, held by none
    _write_lock(tmp_path, "d", os.getpid(), host="some-other-machine")
    assert locks.trainings_running(tmp_path) == 2
    held.close()
    assert locks.trainings_running(tmp_path) == 1


def test_parallel_runs_counts_the_trainings_beside_this_one(tmp_path):
    profile = load_profile("smoke")
    spec = run_spec(profile, "tiny-random/distilbert", "reference", "none", 0, "rte", 42)
    held = _hold(tmp_path, "another-training", os.getppid())  # a live training of another sweep
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rec = train_one(spec, profile, tmp_path)
    assert rec.env["parallel_runs"] == 2
    held.close()


def test_a_sweep_leaves_a_locked_training_to_its_owner_then_writes_its_records(tmp_path, monkeypatch, capsys):
    """The training another sweep holds is not trained here; once that sweep's record appears and
    its lock goes, this sweep writes its own record of the model as an alias."""
    profile = load_profile("smoke").with_overrides(prune_models=["tiny-random/bert"], reference_models=[],
                                                   baseline_seeds=[], strategies=["top", "alternate-even"],
                                                   ks=[1], model_ks={})
    top, alt = expand_grid(profile)
    key = fix_layers(top, profile, tmp_path).training_key
    held = _hold(tmp_path, key, os.getppid())
    other = locks.lock_path(tmp_path, key)
    trained = []
    real = sweep_module.train_and_evaluate
    monkeypatch.setattr(sweep_module, "train_and_evaluate", lambda spec, **k: trained.append(spec) or real(spec, **k))

    def the_other_sweep_finishes():  # called while this sweep waits for the lock
        if other.exists():
            # as the other sweep (a shard holding alternate-even) would
            rec = real(fix_layers(alt, profile, tmp_path), latency_settings=profile.latency)
            records.write_run(tmp_path, rec)
            assert rec.run_id == alt.run_id
            other.unlink()
            held.close()
    monkeypatch.setattr(sweep_module, "_wait_for_other_sweeps", the_other_sweep_finishes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        new = sweep(profile, store_dir=tmp_path, log=lambda *a: None)
    assert trained == []  # the model was trained once, by "the other sweep"
    by_id = {r.run_id: r for r in new}
    assert set(by_id) == {records.run_id(top), records.run_id(alt)}
    assert by_id[records.run_id(top)].same_model_as == records.run_id(alt)
    assert records.finished_run_ids(tmp_path) == {records.run_id(top), records.run_id(alt)}
    said = capsys.readouterr().err  # a wait says what it waits for, and how long it has
    assert re.search(rf"waiting \d+s for 1 training\(s\) that other sweeps on this store hold: "
                     rf"{re.escape(str(other))} \(pid {os.getppid()} on ", said), said


@pytest.mark.parametrize("pid", [1, "own"], ids=["pid-1", "own-pid"])
def test_a_sweep_never_waits_on_a_lock_that_no_one_holds(tmp_path, monkeypatch, pid):
    """Issue 22: a killed compare's lock, rewritten with a live pid, hung the rerun forever."""
    profile = load_profile("smoke").with_overrides(prune_models=["tiny-random/bert"], reference_models=[],
                                                   baseline_seeds=[], strategies=["top"], ks=[1], model_ks={})
    (spec,) = expand_grid(profile)
    _write_lock(tmp_path, fix_layers(spec, profile, tmp_path).training_key, os.getpid() if pid == "own" else pid)

    def hang():
        raise AssertionError("the sweep waited for a lock that no process holds")
    monkeypatch.setattr(sweep_module, "_wait_for_other_sweeps", hang)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (rec,) = sweep(profile, store_dir=tmp_path, log=lambda *a: None)
    assert rec.run_id == records.run_id(spec) and not list((tmp_path / "runs").glob("*.lock"))


def _start_sweep(store):
    env = {**os.environ, "POORMAN_RESULTS": str(store), "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1",
           "TOKENIZERS_PARALLELISM": "false", "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "poorman.cli", "sweep", "--profile", "smoke", *GRID],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.slow  # two sweeps in subprocesses, each importing torch
def test_two_identical_sweeps_at_once_train_each_model_once(tmp_path):
    store = tmp_path / "results"
    sweeps = [_start_sweep(store), _start_sweep(store)]
    outputs = [p.communicate(timeout=600) for p in sweeps]
    for proc, (out, err) in zip(sweeps, outputs):
        assert proc.returncode == 0, err[-3000:]
    lines = [line for out, _ in outputs for line in out.splitlines()]
    trainings = [line for line in lines if "(trained in" in line]
    assert len(trainings) == 4, lines  # 4 distinct models, each trained by one of the two sweeps
    # Between them the two sweeps report all 5 runs (one that finished before a sweep planned is
    # "already done" for it, so which sweep reports which run depends on timing).
    reported = {" ".join(line.split(":")[0].split()) for line in lines if ": accuracy" in line}
    assert len(reported) == 5, lines
    profile = load_profile("smoke").with_overrides(prune_models=["tiny-random/bert"], reference_models=[],
                                                   strategies=["top", "alternate-even", "symmetric"],
                                                   ks=[1], model_ks={})
    assert records.finished_run_ids(store / "smoke") == {records.run_id(s) for s in expand_grid(profile)}
    assert not list((store / "smoke" / "runs").glob("*.lock"))
    recs = [json.loads(p.read_text()) for p in (store / "smoke" / "runs").glob("*.json")]
    assert {r["env"]["parallel_runs"] for r in recs} <= {1, 2}


def _gone(pid):
    """No such process, or a zombie waiting to be reaped: it runs nothing."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
    except FileNotFoundError:
        return True


@pytest.mark.slow  # a sweep and its two spawned workers, each importing torch
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process states from /proc")
def test_a_killed_sweeps_workers_stop_training(tmp_path):
    # The lock names the sweep's pid, so once the sweep is killed its training may be taken over;
    # a worker left training beside the new one would train the model twice.
    script = ("import time; from poorman.experiments.sweep import schedule\n"
              "pool = schedule._executor(2)\n"
              "futures = [pool.submit(time.sleep, 600) for _ in range(2)]\n"
              "time.sleep(0.5); print(*pool._processes, flush=True); time.sleep(600)\n")
    sweep_proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    workers = [int(pid) for pid in sweep_proc.stdout.readline().split()]
    assert len(workers) == 2 and not any(_gone(pid) for pid in workers)
    sweep_proc.kill()  # SIGKILL: no clean-up of its own
    sweep_proc.wait()
    deadline = time.time() + 30
    while not all(_gone(pid) for pid in workers) and time.time() < deadline:
        time.sleep(0.2)
    assert all(_gone(pid) for pid in workers)
