"""A sweep: expand a profile's grid and run whatever the store does not hold yet.

Grid = pruned models x strategies x K x tasks x seeds, plus each pruned model's
unpruned baseline (several seeds, for the seed-to-seed spread) and each
reference model (e.g. DistilBERT), unpruned. Finished runs are skipped, so a
killed sweep resumes where it stopped. `shard=(i, n)` takes every n-th run of
the grid in a fixed order, so n machines can split it with no coordination.

Runs that would train the very same model (equal model, task, seed, settings
and dropped layers, e.g. symmetric and angular choosing the same middle
layers) are trained once; the others get a copy of its record that names it
(`same_model_as`). `jobs=n` trains n runs at a time in worker processes, each
with cores/n threads: on 2 CPU cores two 1-thread runs get ~1.2x the work
done of one 2-thread run (benchmarks/README.md).
"""

import os
import sys
import warnings

from tqdm.auto import tqdm

from .store import records
from .finetune import alias_record, choose_layers, run_one, run_spec, training_key
from .models import model_config
from .profiles import check_jobs, load_profile
from .tasks import get_task


def expand_grid(profile):
    """Every run spec of the profile, in a fixed order: tasks, then models, then strategies."""
    specs = []
    for task in profile.tasks:
        for model in profile.prune_models:
            for seed in profile.baseline_seeds:
                specs.append(run_spec(profile, model, "baseline", "none", 0, task, seed))
            for strategy in profile.strategies:
                for k in profile.ks_for(model):
                    for seed in profile.seeds:
                        specs.append(run_spec(profile, model, "pruned", strategy, k, task, seed))
        for model in profile.reference_models:
            for seed in profile.seeds:
                specs.append(run_spec(profile, model, "reference", "none", 0, task, seed))
    return specs


def parse_shard(text):
    """'i/n' -> (i, n), with 0 <= i < n."""
    try:
        i, n = (int(x) for x in str(text).split("/"))
    except ValueError:
        raise ValueError(f"--shard must look like i/n, e.g. 0/4, got {text!r}") from None
    if not (n >= 1 and 0 <= i < n):
        raise ValueError(f"--shard {text}: need n >= 1 and 0 <= i < n")
    return i, n


def plan(profile, shard=(0, 1), store_dir=None):
    """(todo, done) run specs for this shard."""
    store_dir = store_dir or records.results_dir(profile.name)
    i, n = shard
    mine = [s for j, s in enumerate(expand_grid(profile)) if j % n == i]
    finished = records.finished_run_ids(store_dir)
    todo = [s for s in mine if records.run_id(s) not in finished]
    return todo, [s for s in mine if records.run_id(s) in finished]


def check_models(profile):
    """Fail early with a clear message if a model cannot be found (offline, or a typo)."""
    from transformers import AutoConfig
    from .models import TINY_PREFIX
    for model in profile.prune_models + profile.reference_models:
        if model.startswith(TINY_PREFIX):
            continue
        try:
            AutoConfig.from_pretrained(model)
        except OSError as err:
            raise ValueError(f"model {model!r} of profile {profile.name!r} cannot be loaded: {err}") from None


def _group(todo, profile, store_dir):
    """Group the specs to run by the model they train: {training key: [(spec, scores), ...]}."""
    groups = {}
    for spec in tqdm(todo, desc="choosing layers", unit="run", file=sys.stderr, leave=False):
        dropped, scores = choose_layers(spec, profile, store_dir)
        groups.setdefault(training_key(spec, dropped), []).append((spec, scores))
    return groups


def _cost(spec):
    """Rough training cost, to start the longest runs of a task first and keep workers busy."""
    config = model_config(spec["model"])
    return (config.num_hidden_layers - spec["k"]) * getattr(config, "hidden_size", 1) ** 2


def _init_worker(threads, jobs):
    import torch
    torch.set_num_threads(threads)
    os.environ["POORMAN_PARALLEL_RUNS"] = str(jobs)
    warnings.simplefilter("ignore", UserWarning)


def _train(spec, profile, store_dir):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return run_one(spec, profile, store_dir)


def _execute(specs, profile, store_dir, jobs):
    """Yield (spec, record) as runs finish, `jobs` at a time."""
    if jobs <= 1:
        for spec in specs:
            yield spec, _train(spec, profile, store_dir)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed
    threads = max(1, (os.cpu_count() or jobs) // jobs)
    pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_init_worker, initargs=(threads, jobs))
    try:
        futures = {pool.submit(_train, spec, profile, store_dir): spec for spec in specs}
        for future in as_completed(futures):
            yield futures[future], future.result()
    finally:  # on an error, let the running runs finish and drop the queued ones
        pool.shutdown(wait=True, cancel_futures=True)


def sweep(profile="cpu", *, tasks=None, models=None, strategies=None, ks=None, shard=(0, 1),
          store_dir=None, dry_run=False, jobs=None, log=print):
    """Run the missing runs of a profile's grid; returns the list of new records.

    jobs: runs trained at once (default: the profile's `jobs`, else 1)."""
    profile = load_profile(profile)
    jobs = profile.jobs if jobs is None else check_jobs(jobs, "sweep")
    if tasks:
        tasks = [get_task(t).name for t in tasks]
    if models:
        unknown = [m for m in models if m not in profile.prune_models + profile.reference_models]
        if unknown:
            raise ValueError(f"models {unknown} are not in profile {profile.name!r}: "
                             f"{profile.prune_models + profile.reference_models}")
    profile = profile.with_overrides(
        tasks=tasks, strategies=strategies, ks=ks, model_ks={} if ks else None,
        prune_models=[m for m in profile.prune_models if not models or m in models],
        reference_models=[m for m in profile.reference_models if not models or m in models])
    store_dir = store_dir or records.results_dir(profile.name)
    todo, done = plan(profile, shard, store_dir)
    log(f"profile {profile.name}: {len(todo) + len(done)} runs in shard {shard[0]}/{shard[1]}, "
        f"{len(done)} already done, {len(todo)} to run; results go to {store_dir}/runs/")
    if dry_run or not todo:
        return []
    check_models(profile)
    groups = _group(todo, profile, store_dir)
    trained = {training_key(r["config"], r["dropped"]): r for r in records.iter_runs(store_dir)}
    task_order = {t: n for n, t in enumerate(profile.tasks)}
    key_of = {records.run_id(members[0][0]): key for key, members in groups.items() if key not in trained}
    first = sorted((groups[key][0][0] for key in key_of.values()), key=lambda s: (task_order[s["task"]], -_cost(s)))
    log(f"  {len(first)} models to train ({len(todo) - len(first)} runs share a model with another run), "
        f"{jobs} at a time")
    new = []

    def finish(key, rec):
        for spec, scores in groups[key]:  # the spec that trained, then the ones sharing its model
            out = rec
            if records.run_id(spec) != rec["run_id"]:
                out = alias_record(spec, rec, scores)
                records.write_run(store_dir, out)
            new.append(out)
            log(f"  {spec['task']:6s} {spec['model'].split('/')[-1]:24s} {spec['strategy']:15s} "
                f"k={spec['k']} seed={spec['seed']}: score {rec['metrics']['score']:.4f} "
                + (f"({rec['timing']['train_seconds']:.0f}s train)" if records.run_id(spec) == rec["run_id"]
                   else f"(same model as {rec.get('same_model_as') or rec['run_id']})"))

    for key in [k for k in groups if k in trained]:
        finish(key, trained[key])
    bar = tqdm(total=len(first), desc=f"sweep {profile.name}", unit="run", file=sys.stderr)
    for spec, rec in _execute(first, profile, store_dir, jobs):
        finish(key_of[records.run_id(spec)], rec)
        bar.update()
    bar.close()
    return new
