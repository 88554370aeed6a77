"""Prune, fine-tune and compare on your own labelled data: `poorman finetune` and `poorman compare`.

    from poorman.own.api import compare, finetune
    data = dict(train="train.csv", eval="test.csv", text="review", label="sentiment")
    table = compare("sentence-transformers/all-MiniLM-L6-v2", **data, strategies=["top", "contribution"])
    record = finetune("sentence-transformers/all-MiniLM-L6-v2", **data, strategy="top", k=2, out="minilm-4")

Both go through the engine: the task is your data's description (own_task.py), the runs are
run specs trained by finetune.train_and_evaluate and kept in a run store, so a compare resumes, a second
compare with more K reuses what is done, and a finetune of a compared variant trains the same
model. The recipe is a profile's `train` settings (cpu's by default) on all your rows; keyword
arguments (epochs=3, learning_rate=2e-5, batch_size, max_train, max_length, ...) override it.
"""

from __future__ import annotations

import fcntl
import math
import os
import re
import shutil
import uuid
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ..core.precision import choose_precision
from ..core.strategies import STRATEGIES
from ..core.surgery.load import check_weights
from ..experiments.data import load_split
from ..experiments.data.floor import dev_constant_metrics
from ..experiments.data.metrics import learning_note
from ..experiments.models import max_positions, model_config
from ..experiments.profile_schema import Train, check
from .card import model_card
from .compare import compare_table
from ..experiments.data.own_task import describe
from ..experiments.run.planning import run_spec
from ..experiments.profiles import TRAIN_DEFAULTS, load_profile
from ..experiments.sweep.schedule import train_one
from ..experiments.store import records
from ..experiments.speed import variant_table
from ..experiments.sweep import expand_grid, sweep
from ..experiments.run.training import quiet_libraries

SAMPLES = Path(__file__).parent / "samples"
# The fewest optimizer steps a run of your data gets: with the cpu recipe's 2 epochs, 400 rows
# make 100 steps, and MiniLM-L6 then predicts one class; the own-data pilot
# (the own-data pilot: benchmarks/README.md, P7) chose this floor.
MIN_STEPS = 300


def sample_data():
    """The bundled sample: 400 train and 200 eval rows of SST-2 as a user's CSVs (sentence, sentiment)."""
    return dict(train=str(SAMPLES / "sst2_train.csv"), eval=str(SAMPLES / "sst2_eval.csv"),
                text="sentence", label="sentiment", name="sst2-sample")


def own_task(train, eval, text, label, *, text_pair=None, name=None, label_names=None, metrics=None,
             regression=None, log=print):
    """Your data's canonical description (checked against the files; see own_task.py)."""
    desc = {"train": train, "eval": eval, "text": [text, text_pair] if text_pair else text, "label": label}
    desc |= {k: v for k, v in dict(name=name, label_names=label_names, metrics=metrics,
                                   regression=regression).items() if v is not None}
    return describe(desc, log=log)


FLAGS = {"epochs": "--epochs", "learning_rate": "--lr", "batch_size": "--batch-size",
         "max_length": "--max-length", "max_train": "--max-train", "max_eval": "--max-eval"}


def recipe(profile="cpu", **overrides):
    """The profile with its training settings for your data: all rows, unless max_train/max_eval say.
    The overrides are checked against the profile schema's `train` (profile_schema.Train)."""
    profile = load_profile(profile)
    given = {k: v for k, v in overrides.items() if v is not None}
    unknown = sorted(k for k in given if k not in TRAIN_DEFAULTS)
    if unknown:
        raise ValueError(f"unknown training settings {unknown}; known: {', '.join(sorted(TRAIN_DEFAULTS))}")
    try:
        check(Train, given, "training settings")
    except ValueError as err:  # name the command line's flag beside the setting
        message = str(err)
        for key, flag in FLAGS.items():
            message = message.replace(f"`{key}`", f"`{key}` ({flag})")
        raise ValueError(message) from None
    train = {**profile.train, "max_train": None, "max_eval": None, **given}
    return profile.with_overrides(train=train, task_train={}, reference_models=[], model_ks={})


def epochs_for_steps(train, train_rows, min_steps):
    """The recipe's epochs, raised (to a whole number) until training takes `min_steps` steps:
    a small dataset needs more passes to learn, a large one keeps its recipe."""
    rows = min(train_rows, train["max_train"] or train_rows)
    steps_per_epoch = math.ceil(rows / train["batch_size"])
    return max(train["epochs"], math.ceil(min_steps / steps_per_epoch))


def with_step_floor(prof, spec_task, min_steps, epochs_given):
    """`prof` with enough epochs for `min_steps` steps on your training rows, unless you gave epochs."""
    if epochs_given is not None:
        return prof
    epochs = epochs_for_steps(prof.train, len(load_split(spec_task, "train")), min_steps)
    return prof.with_overrides(train={**prof.train, "epochs": epochs})


def default_store(task_name):
    """results/own/<task name>/ under the project root (or $POORMAN_RESULTS/own/<task name>)."""
    if task_name in ("", ".", "..") or any(c in task_name for c in "/\\"):
        raise ValueError(f"task name {task_name!r} would put the run store outside results/own/; "
                         f"give --name a plain name (letters, digits, - and _)")
    return records.results_dir("own") / task_name


def check_max_length(model, train):
    """max_length against the model's position table, before any training (past it, the model fails mid-run)."""
    limit = max_positions(model_config(model))
    if limit and train["max_length"] > limit:
        raise ValueError(f"max_length (--max-length) {train['max_length']}: {model} takes at most {limit} tokens "
                         f"(its position table); give {limit} or less")


def _depth(model):
    try:
        depth = model_config(model).num_hidden_layers
    except OSError as err:
        raise ValueError(f"model {model!r} cannot be loaded: {err}") from None
    check_weights(model)  # a local checkpoint cut short fails now, not after the data is read
    return depth


def default_ks(num_layers):
    """A sixth, a third and half of the layers: 2, 4, 6 of 12 as in the paper; 1, 2, 3 of 6."""
    return sorted({max(1, round(num_layers * f)) for f in (1 / 6, 1 / 3, 1 / 2)})


def _check_drop(model, strategies, ks, layers=None):
    """Strategies, K and explicit layers against the model's depth, before any training."""
    L = _depth(model)
    unknown = [s for s in strategies if s not in STRATEGIES]
    if unknown:
        raise ValueError(f"unknown strategies {unknown}; known: {', '.join(STRATEGIES)}")
    bad = [k for k in ks if not 0 <= k < L]
    if bad:
        raise ValueError(f"K must be in 0..{L - 1} for {model} ({L} layers), got {bad}")
    if layers is not None and (len(set(layers)) != len(layers) or not all(0 <= i < L for i in layers)
                               or len(layers) >= L):
        raise ValueError(f"layers must be distinct 0-based indices in 0..{L - 1}, fewer than {L}, got {layers}")
    return L


def finetune(model: str, train: str | Path | dict, eval: str | Path | dict, text: str, label: str, *,
             out: str | Path, text_pair: str | None = None, name: str | None = None,
             label_names: list[str] | None = None, metrics: list[str] | None = None, regression: bool | None = None,
             strategy: str = "top", k: int = 0, layers: list[int] | None = None, seed: int = 42,
             profile: str = "cpu", store: str | Path | None = None, min_steps: int = MIN_STEPS, log=print,
             verbose: bool = False, latency_ms: float | None = None, **overrides) -> dict:
    """Drop layers (strategy + k, or explicit 0-based layers; k=0: none), fine-tune, evaluate, and
    save a checkpoint with its label names and a model card (README.md) in `out`. Returns the record.
    verbose: also the Trainer's, datasets' and transformers' own progress bars and logs.
    latency_ms: this depth's latency from `compare`'s side-by-side table, for the card, so that a
    variant has one latency in the table and on its card (default: this run's own timing)."""
    folder = _empty_out(out)
    prof = recipe(profile, **overrides)
    spec_task = own_task(train, eval, text, label, text_pair=text_pair, name=name, label_names=label_names,
                         metrics=metrics, regression=regression, log=log)
    _check_drop(model, [strategy], [k], layers)
    prof = with_step_floor(prof, spec_task, min_steps, overrides.get("epochs"))
    check_max_length(model, prof.train)
    role, strategy = ("baseline", "none") if not k and layers is None else ("pruned", strategy)
    spec = run_spec(prof, model, role, strategy, k, spec_task, seed, layers=layers)
    store = Path(store or default_store(spec_task["name"]))
    records.check_writable(store)  # before the model loads, not after a minute of training
    tmp, held = partial_folder(folder)
    try:  # train into a hidden folder beside `out`, and move it into place only when complete
        log(f"fine-tuning {model} on {spec_task['name']} ({spec.strategy}, K={spec.k}); "
            f"{choose_precision(prof.precision).describe()}; runs kept in {store}")
        record = _train_and_save(spec, prof, store, tmp, verbose)
        learnt, note = learning_note(record["metrics"], dev_constant_metrics(prof, spec_task),
                                     sum(record["num_eval_examples"].values()))
        (tmp / "README.md").write_text(model_card(record, spec_task, folder.name, note, latency_ms))
        if folder.exists():
            folder.rmdir()
        os.replace(tmp, folder)
    finally:
        os.close(held)
        shutil.rmtree(tmp, ignore_errors=True)
    log(f"score {record['metrics']['score']:.4f}; {note}")
    log(f"saved to {folder} (with README.md, the model card)")
    return {**record, "learnt": learnt}


def _empty_out(out) -> Path:
    """`out` as a Path, if it does not exist or is an empty folder."""
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ValueError(f"--out {out} exists and is not an empty folder; choose another or remove it")
    return out


def _train_and_save(spec, prof, store, folder, verbose):
    from safetensors import SafetensorError
    try:
        with quiet_libraries(verbose):
            return train_one(spec, prof, store, save_to=folder, verbose=verbose).to_json()
    except SafetensorError as err:  # the save failed (e.g. a full disk): train_one wrote no record
        raise OSError(f"cannot write the checkpoint into {folder.parent} ({err}); is the disk full? "
                      f"No record of this run was kept") from None


def partial_folder(out):
    """(a hidden folder beside `out` to train into, made with the user's umask, and the descriptor
    of the flock that marks it as in use). Such folders that no live finetune holds (left by kill -9)
    are removed first; a live one's is left alone."""
    out.parent.mkdir(parents=True, exist_ok=True)
    for old in out.parent.glob(f".{out.name}.*"):
        if _left_behind(old, out.name):
            shutil.rmtree(old, ignore_errors=True)
    tmp = out.parent / f".{out.name}.partial-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()  # mode 0777 less the umask, as `poorman drop` makes its folder (mkdtemp's is 0700)
    held = os.open(tmp, os.O_RDONLY)
    fcntl.flock(held, fcntl.LOCK_EX)  # released by the OS if this process dies
    return tmp, held


def _left_behind(folder, name):
    """A hidden training folder for --out `name` that no live finetune holds: ours (.NAME.partial-*),
    or mkdtemp's from before this fix (.NAME.xxxxxxxx) when empty or holding a checkpoint's files."""
    if not folder.is_dir() or _in_use(folder):
        return False
    if folder.name.startswith(f".{name}.partial-"):
        return True
    return re.fullmatch(rf"\.{re.escape(name)}\.[a-z0-9_]{{8}}", folder.name) is not None and \
        (not any(folder.iterdir()) or any((folder / f).exists() for f in ("config.json", "model.safetensors")))


def _in_use(folder):
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


def compare(model: str, train: str | Path | dict, eval: str | Path | dict, text: str, label: str, *,
            text_pair: str | None = None, name: str | None = None, label_names: list[str] | None = None,
            metrics: list[str] | None = None, regression: bool | None = None,
            strategies: Sequence[str] = ("top", "contribution"), ks: list[int] | None = None, seeds: int = 1,
            profile: str = "cpu", store: str | Path | None = None, jobs: int = 1, min_steps: int = MIN_STEPS,
            log=print, verbose: bool = False, **overrides) -> pd.DataFrame:
    """Fine-tune the full model and each strategy x K (x seeds) in a run store; return the table
    of score (t-interval over seeds), parameters and latency per variant, frontier marked.
    verbose: as sweep's."""
    if not isinstance(seeds, int) or seeds < 1:
        raise ValueError(f"seeds must be an integer >= 1, got {seeds!r}")
    prof = recipe(profile, **overrides)
    spec_task = own_task(train, eval, text, label, text_pair=text_pair, name=name, label_names=label_names,
                         metrics=metrics, regression=regression, log=log)
    L = _check_drop(model, list(strategies), list(ks or []))
    check_max_length(model, prof.train)
    seed_list = list(range(42, 42 + seeds))
    prof = with_step_floor(prof, spec_task, min_steps, overrides.get("epochs")).with_overrides(
        tasks=[spec_task], prune_models=[model], strategies=list(strategies), ks=list(ks or default_ks(L)),
        seeds=seed_list, baseline_seeds=seed_list, cell_seeds=[])   # every variant: the same seeds
    store = Path(store or default_store(spec_task["name"]))
    sweep(prof, store_dir=store, jobs=jobs, log=log, verbose=verbose)
    with quiet_libraries(verbose):  # side by side, not each run's own timing under another load
        latency = {row["num_layers"]: row["latency_ms"] for row in variant_table(prof, store_dir=store)}
    run_ids = {records.run_id(s) for s in expand_grid(prof)}
    table = compare_table(store, run_ids, latency)
    table.attrs.update(task=spec_task["name"], model=model, store=str(store), latency=dict(prof.latency),
                       run_ids=sorted(run_ids),
                       constant=dev_constant_metrics(prof, spec_task), n_eval=len(load_split(spec_task, "validation")))
    return table
