"""A sweep: expand a profile's grid and run whatever the store does not hold yet.

Grid = pruned models x strategies x K x tasks x seeds, plus each pruned model's
unpruned baseline (several seeds, for the seed-to-seed spread) and each
reference model (e.g. DistilBERT), unpruned. Finished runs are skipped, so a
killed sweep resumes where it stopped. `shard=(i, n)` takes every n-th run of
the grid in a fixed order, so n machines can split it with no coordination.
"""

import sys
import warnings

from tqdm.auto import tqdm

from ..store import records
from .finetune import run_one, run_spec
from .profiles import load_profile
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
            raise ValueError(f"model {model!r} of profile {profile.name!r} cannot be loaded: {err}. "
                             f"Offline, run `python scripts/offline_models.py` and set HF_HUB_OFFLINE=1; "
                             f"available offline: sentence-transformers/all-mpnet-base-v2, "
                             f"sentence-transformers/all-MiniLM-L6-v2") from None


def sweep(profile="cpu", *, tasks=None, models=None, strategies=None, ks=None, shard=(0, 1),
          store_dir=None, dry_run=False, log=print):
    """Run the missing runs of a profile's grid; returns the list of new records."""
    profile = load_profile(profile)
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
    new = []
    bar = tqdm(todo, desc=f"sweep {profile.name}", unit="run", file=sys.stderr)
    for spec in bar:
        bar.set_postfix_str(f"{spec['task']} {spec['strategy']} k={spec['k']} seed={spec['seed']}")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            rec = run_one(spec, profile, store_dir)
        new.append(rec)
        log(f"  {spec['task']:6s} {spec['model'].split('/')[-1]:24s} {spec['strategy']:15s} "
            f"k={spec['k']} seed={spec['seed']}: score {rec['metrics']['score']:.4f} "
            f"({rec['timing']['train_seconds']:.0f}s train)")
    return new
