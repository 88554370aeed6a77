"""Train each model once and write every record: group a sweep's planned runs by the model they
train, and share the trainings with every other sweep on the same store.

A Training is one model and the runs it gives records to. Before training one, a sweep takes its
lock (store/locks.py); a training locked by another sweep is left to it, and once its record
appears this sweep writes its own runs' records from it (`RunRecord.alias`). The trainings
themselves (finetune.train_and_evaluate) never touch the store: this module writes each record,
then releases the lock. `jobs=n` trains n models at a time in worker processes.
"""

import functools
import os
import sys
import time
import warnings
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass
from pathlib import Path

from tqdm.auto import tqdm

from ...core.precision import choose_precision
from ..run.finetune import train_and_evaluate
from ..models import model_config
from ..run.planning import fix_layers
from ..run.spec import RunRecord, RunSpec, training_key
from ..store import locks, records
from ..data.tasks import task_name
from ..run.training import quiet_libraries

POLL_S = 1.0  # how often a sweep waiting for another sweep's training looks again
SAY_WAIT_S = 60.0  # how often a waiting sweep says what it waits for
ORPHAN_POLL_S = 1.0  # how often a worker checks that its sweep is still alive


@dataclass
class Training:
    """One model to train, and the runs whose records it gives: members[0] is the run that trains."""
    key: str
    specs: list[RunSpec]  # planned, so each holds its dropped layers and scores
    lock: dict | None = None

    @property
    def spec(self) -> RunSpec:
        return self.specs[0]


def _cost(spec: RunSpec) -> int:
    """Rough training cost, to start the longest runs of a task first and keep workers busy."""
    config = model_config(spec.model)
    return (config.num_hidden_layers - spec.k) * getattr(config, "hidden_size", 1) ** 2


def group_by_model(todo: list[RunSpec], profile) -> list[Training]:
    """The Trainings that the planned runs to do need, in a task's order, the longest first."""
    groups: dict[str, list[RunSpec]] = {}
    for spec in todo:
        groups.setdefault(spec.training_key, []).append(spec)
    order = {task_name(t): n for n, t in enumerate(profile.tasks)}
    trainings = [Training(key, specs) for key, specs in groups.items()]
    return sorted(trainings, key=lambda t: (order[t.spec.resolved_task.name], -_cost(t.spec)))


class TrainedModels:
    """{training key: a record of that model} over the store's records; `refresh` reads the files
    that are new or replaced since the last look (records are replaced whole, by rename)."""

    def __init__(self, store_dir):
        self.runs, self.seen, self.by_key = Path(store_dir) / "runs", {}, {}

    def refresh(self):
        for path in sorted(self.runs.glob("*.json")):
            stat = path.stat()
            if self.seen.get(path) != (stat.st_ino, stat.st_mtime_ns):
                self.seen[path] = (stat.st_ino, stat.st_mtime_ns)
                rec = records.read_run(path)
                if rec is not None and not {"config", "dropped"} <= set(rec):
                    warnings.warn(f"skipping malformed record in the run store: {path} has no "
                                  f"{'config' if 'config' not in rec else 'dropped'}; it is not reused")
                elif rec is not None:
                    self.by_key.setdefault(training_key(rec["config"], rec["dropped"]), rec)
        return self.by_key

    def record(self, key: str) -> RunRecord:
        return RunRecord.from_json(self.by_key[key])


def _init_worker(threads, sweep_pid):
    import threading

    import torch
    torch.set_num_threads(threads)
    threading.Thread(target=_exit_with_parent, args=(sweep_pid,), daemon=True).start()


def _exit_with_parent(parent):
    """A worker whose sweep was killed stops: its training's lock died with the sweep, so a
    resumed sweep would otherwise train the same model beside it."""
    while os.getppid() == parent:
        time.sleep(ORPHAN_POLL_S)
    os._exit(1)


def trainings_running(store_dir, key: str) -> int:
    """Trainings running now on this machine in this store, the one of `key` included."""
    return 1 + locks.trainings_running(store_dir, besides=key)


def _train(spec: RunSpec, profile, store_dir, verbose: bool) -> RunRecord:
    with warnings.catch_warnings(), quiet_libraries(verbose):
        warnings.simplefilter("ignore", UserWarning)
        return train_and_evaluate(spec, latency_settings=profile.latency, precision=choose_precision(profile.precision),
                                  verbose=verbose,
                                  parallel_runs=functools.partial(trainings_running, store_dir, spec.training_key))


class _InProcess:
    """jobs=1: each training runs here and now; the same interface as a process pool."""

    def submit(self, fn, *args):
        future = Future()
        try:
            future.set_result(fn(*args))
        except Exception as err:  # raised by result(), as from a pool
            future.set_exception(err)
        return future

    def shutdown(self, wait=True, cancel_futures=False):
        pass


def _executor(jobs):
    if jobs <= 1:
        return _InProcess()
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    threads = max(1, (os.cpu_count() or jobs) // jobs)
    return ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_init_worker, initargs=(threads, os.getpid()))


def _claim(waiting, stored, store_dir, slots):
    """(up to `slots` waiting Trainings now ours to train, their locks taken; [(Training, record)]
    whose model the store holds already). Trainings that another sweep is training stay waiting."""
    claimed, found = [], []
    stored.refresh()
    for t in list(waiting):
        if len(claimed) == slots:
            break
        if t.key not in stored.by_key:
            t.lock = locks.try_lock(store_dir, t.key)
            if t.lock is None:
                continue  # another sweep is training it
            if t.key in stored.refresh():  # another sweep finished it just before we took the lock
                locks.release(store_dir, t.key, t.lock)
        waiting.remove(t)
        if t.key in stored.by_key:
            found.append((t, stored.record(t.key)))
        else:
            claimed.append(t)
    return claimed, found


class _WaitNotes:
    """A sweep that waits for other sweeps' trainings says so at once, then every SAY_WAIT_S."""

    def __init__(self, store_dir):
        self.store_dir, self.since, self.last = store_dir, None, None

    def now_and_then(self, waiting):
        now = time.time()
        self.since = self.since or now
        if self.last is None or now - self.last >= SAY_WAIT_S:
            self.last = now
            tqdm.write(locks.waiting_for(self.store_dir, [t.key for t in waiting], self.since), file=sys.stderr)


def _wait_for_other_sweeps():
    time.sleep(POLL_S)


def train_all(trainings, profile, store_dir, jobs, verbose):
    """Yield (training, the records of its runs, the record of its model, trained here?) as each is
    done, every record written. A model trained here has its records written before its lock is
    released. Each model is trained once, by whichever sweep on this store takes it first; this one
    trains `jobs` at a time."""
    waiting, running, stored = list(trainings), {}, TrainedModels(store_dir)
    pool, said = _executor(jobs), _WaitNotes(store_dir)
    try:
        while waiting or running:
            claimed, found = _claim(waiting, stored, store_dir, jobs - len(running))
            yield from ((t, write_records(t, rec, store_dir), rec, False) for t, rec in found)
            for t in claimed:
                running[pool.submit(_train, t.spec, profile, store_dir, verbose)] = t
            if not running:
                if waiting:
                    said.now_and_then(waiting)
                    _wait_for_other_sweeps()  # they hold the locks of all that is left
                continue
            for future in wait(running, return_when=FIRST_COMPLETED)[0]:
                t = running.pop(future)
                try:  # the records first, then the lock: a sweep waiting on it then finds them
                    rec = future.result()
                    records.write_run(store_dir, rec)
                    outs = write_records(t, rec, store_dir)
                finally:
                    locks.release(store_dir, t.key, t.lock)
                yield t, outs, rec, True
    finally:  # on an error, let the running trainings finish and drop the rest
        pool.shutdown(wait=True, cancel_futures=True)
        for t in trainings:
            if t.lock:  # a no-op for locks released already
                locks.release(store_dir, t.key, t.lock)


def train_one(spec: RunSpec, profile, store_dir, save_to=None, verbose: bool = False) -> RunRecord:
    """Plan, train and record one run here and now (`poorman finetune`), whatever the store holds;
    the model is saved in `save_to`."""
    spec = fix_layers(spec, profile, store_dir)
    record = train_and_evaluate(spec, latency_settings=profile.latency, precision=choose_precision(profile.precision),
                                save_to=save_to, verbose=verbose,
                                parallel_runs=functools.partial(trainings_running, store_dir, spec.training_key))
    records.write_run(store_dir, record)
    return record


def write_records(training: Training, rec: RunRecord, store_dir) -> list[RunRecord]:
    """The records of every run of a Training, given the record of its model (written already)."""
    out = []
    for spec in training.specs:
        if spec.run_id == rec.run_id:
            out.append(rec)
        else:
            out.append(rec.alias(spec))
            records.write_run(store_dir, out[-1])
    return out
