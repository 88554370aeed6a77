"""A sweep: expand a profile's grid and run whatever the store does not hold yet.

Grid = pruned models x strategies x K x tasks x seeds, plus each pruned model's
unpruned baseline (several seeds, for the seed-to-seed spread) and each
reference model (e.g. DistilBERT), unpruned. Finished runs are skipped, so a
killed sweep resumes where it stopped. `shard=(i, n)` takes every n-th run of
the grid in a fixed order, so n machines can split it.

Runs that would train the very same model (equal model, task, seed, settings
and dropped layers, e.g. symmetric and angular choosing the same middle
layers) are trained once; the others get a copy of its record that names it
(`same_model_as`). Sweeps that share a store (shards, or the same sweep started
twice) take a lock per training (schedule.py): a training locked by another
sweep is left to it, and its records are written once it is done. `jobs=n`
trains n models at a time in worker processes, each with cores/n threads: on
2 CPU cores two 1-thread runs get ~1.2x the work done of one 2-thread run
(benchmarks/README.md).

    validate -> plan (specs, then their dropped layers) -> group by the model they train
             -> train each model once -> write every run's record
"""

import contextlib
import sys
from pathlib import Path

from tqdm.auto import tqdm

from ...core.precision import choose_precision
from ...core.strategies import NEEDS_MODEL, STRATEGIES, select_layers
from ..models import model_config
from ..run.planning import fix_layers, run_spec
from ..profiles import check_jobs, load_profile, profile_task, seeds_for
from .schedule import TrainedModels, group_by_model, train_all
from ..run.spec import RunRecord, RunSpec
from ..store import records
from ..data.tasks import task_name
from ..run.training import quiet_libraries


def expand_grid(profile) -> list[RunSpec]:
    """Every run spec of the profile, in a fixed order: tasks, then models, then strategies.
    Each cell's seeds come from seeds_for (the profile's `cell_seeds` rules, else its seeds)."""
    specs = []
    for task in profile.tasks:
        for model in profile.prune_models:
            for seed in seeds_for(profile, "baseline", model):
                specs.append(run_spec(profile, model, "baseline", "none", 0, task, seed))
            for strategy in profile.strategies:
                for k in profile.ks_for(model):
                    for seed in seeds_for(profile, "pruned", model, strategy, k):
                        specs.append(run_spec(profile, model, "pruned", strategy, k, task, seed))
        for model in profile.reference_models:
            for seed in seeds_for(profile, "reference", model):
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


def plan(profile, shard=(0, 1), store_dir=None) -> tuple[list[RunSpec], list[RunSpec]]:
    """(todo, done) run specs for this shard."""
    store_dir = store_dir or records.results_dir(profile.name)
    i, n = shard
    mine = [s for j, s in enumerate(expand_grid(profile)) if j % n == i]
    finished = records.finished_run_ids(store_dir)
    todo = [s for s in mine if s.run_id not in finished]
    return todo, [s for s in mine if s.run_id in finished]


def narrow(profile, tasks=None, models=None, strategies=None, ks=None):
    """The profile cut to the given tasks, models, strategies and K; each one is checked first."""
    profile = load_profile(profile)
    known = profile.prune_models + profile.reference_models
    if [m for m in models or [] if m not in known]:
        raise ValueError(f"models {[m for m in models if m not in known]} are not in profile "
                         f"{profile.name!r}: {known}")
    if [s for s in strategies or [] if s not in STRATEGIES]:
        raise ValueError(f"unknown strategies {[s for s in strategies if s not in STRATEGIES]}; "
                         f"known: {', '.join(STRATEGIES)}")
    if [k for k in ks or [] if not isinstance(k, int) or isinstance(k, bool) or k < 1]:
        raise ValueError(f"ks {list(ks)}: each K is a number of layers to drop, an integer >= 1")
    return profile.with_overrides(
        tasks=[profile_task(profile, t) if isinstance(t, str) else t for t in tasks] if tasks else None,
        strategies=strategies, ks=ks,
        model_ks={} if ks else None,
        prune_models=[m for m in profile.prune_models if not models or m in models],
        reference_models=[m for m in profile.reference_models if not models or m in models])


def check_models(profile):
    """Fail early with a clear message if a model cannot be found (offline, or a typo), or if a
    strategy cannot drop one of the profile's K from it (from the config alone: no weights)."""
    for model in profile.prune_models + profile.reference_models:
        try:
            config = model_config(model)
        except (OSError, ValueError) as err:  # not found, or not even a valid repo id or folder
            raise ValueError(f"model {model!r} of profile {profile.name!r} cannot be loaded: {err}") from None
        for strategy, k in _pairs(profile, model):
            try:
                select_layers(strategy, config.num_hidden_layers, k, scores=None)
            except ValueError as err:
                raise ValueError(f"profile {profile.name!r}, {model}, strategy {strategy}: {err}") from None


def _pairs(profile, model):
    """(strategy, K) of a pruned model whose choice the config alone can check ('top' stands in
    for the strategies that need scores or weights: any K below the depth works for them)."""
    if model not in profile.prune_models:
        return []
    return [("top" if s in NEEDS_MODEL else s, k) for s in profile.strategies for k in profile.ks_for(model)]


def metric_text(metrics):
    """'accuracy 0.9012', or 'score 0.8512 (f1 0.8800, accuracy 0.8224)' for several metrics."""
    named = {k: v for k, v in metrics.items() if k != "score"}
    if len(named) == 1:
        return "{} {:.4f}".format(*next(iter(named.items())))
    return f"score {metrics['score']:.4f} (" + ", ".join(f"{k} {v:.4f}" for k, v in named.items()) + ")"


def run_line(spec: RunSpec, out: RunRecord, rec: RunRecord, trained_here: bool) -> str:
    """One line per finished run: task, model, strategy, K, seed, the metric, and how it was got
    (`out` is the run's record, `rec` the record of its model that it came from)."""
    how = (f"same model as {out.same_model_as}" if out.same_model_as
           else f"record rebuilt from run {rec.run_id}" if out.run_id != rec.run_id
           else f"trained in {rec.timing['train_seconds']:.0f}s" if trained_here
           else "trained by another sweep on this store")
    return (f"{task_name(spec.task)} {spec.model.split('/')[-1]} {spec.strategy} K={spec.k} seed={spec.seed}: "
            f"{metric_text(out.metrics)} ({how})")


def sweep(profile="cpu", *, tasks=None, models=None, strategies=None, ks=None, shard=(0, 1),
          store_dir=None, dry_run=False, jobs=None, verbose=False, log=tqdm.write):
    """Run the missing runs of a profile's grid; returns the list of new records.

    jobs: models trained at once (default: the profile's `jobs`, else 1). verbose: show the
    Trainer's, datasets' and transformers' own progress bars and logs."""
    profile = narrow(profile, tasks, models, strategies, ks)
    jobs = profile.jobs if jobs is None else check_jobs(jobs, "sweep")
    check_models(profile)
    store_dir = Path(store_dir or records.results_dir(profile.name))
    records.check_writable(store_dir)
    todo, done = plan(profile, shard, store_dir)
    log(f"profile {profile.name}: {len(todo) + len(done)} runs in shard {shard[0]}/{shard[1]}, "
        f"{len(done)} already done, {len(todo)} to run; results go to {store_dir}/runs/")
    if records.migrate_hint(store_dir, profile.name):
        log("  " + records.migrate_hint(store_dir, profile.name))
    if dry_run or not todo:
        return []
    with quiet_libraries(verbose):
        trainings = group_by_model([fix_layers(s, profile, store_dir) for s in todo], profile)
        in_store = TrainedModels(store_dir).refresh()
        n_new = sum(t.key not in in_store for t in trainings)
        shared = len(todo) - n_new
        log(f"  {n_new} models to train ({shared} {'run shares' if shared == 1 else 'runs share'} a model "
            f"with another run), {jobs} at a time; {choose_precision(profile.precision).describe()}")
        return _run(trainings, profile, store_dir, jobs, verbose, log, total=len(todo))


def _run(trainings, profile, store_dir, jobs, verbose, log, total):
    """Train (schedule.py writes every run's record), and report each run on its own line above one
    progress bar."""
    new = []
    with tqdm(total=total, desc=f"sweep {profile.name}", unit="run", file=sys.stderr) as bar, \
            contextlib.closing(train_all(trainings, profile, store_dir, jobs, verbose)) as finished:
        for training, outs, rec, trained_here in finished:
            for spec, out in zip(training.specs, outs):
                new.append(out)
                log(run_line(spec, out, rec, trained_here))
                bar.update()
    return new
