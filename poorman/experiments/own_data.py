"""Prune, fine-tune and compare on your own labelled data: `poorman finetune` and `poorman compare`.

    from poorman.experiments.own_data import compare, finetune
    data = dict(train="train.csv", eval="test.csv", text="review", label="sentiment")
    table = compare("sentence-transformers/all-MiniLM-L6-v2", **data, strategies=["top", "contribution"])
    record = finetune("sentence-transformers/all-MiniLM-L6-v2", **data, strategy="top", k=2, out="minilm-4")

Both go through the engine: the task is your data's description (own_task.py), the runs are
run specs trained by finetune.train_and_evaluate and kept in a run store, so a compare resumes, a second
compare with more K reuses what is done, and a finetune of a compared variant trains the same
model. The recipe is a profile's `train` settings (cpu's by default) on all your rows; keyword
arguments (epochs=3, learning_rate=2e-5, batch_size, max_train, max_length, ...) override it.
"""

import math
import os
import shutil
import tempfile
from pathlib import Path

from ..core.strategies import STRATEGIES
from .data import load_split
from .metrics import dev_constant_metrics, learning_note
from .models import model_config
from .own_card import model_card
from .own_compare import compare_table
from .own_task import describe
from .planning import run_spec
from .profiles import TRAIN_DEFAULTS, load_profile
from .schedule import train_one
from .store import records
from .speed import variant_table
from .sweep import expand_grid, sweep
from .training import quiet_libraries

SAMPLES = Path(__file__).parent / "samples"
# The fewest optimizer steps a run of your data gets: with the cpu recipe's 2 epochs, 400 rows
# make 100 steps, and MiniLM-L6 then predicts one class; the own-data pilot
# (scripts/own_data_pilot.py, benchmarks/README.md P7) chose this floor.
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


def recipe(profile="cpu", *, train_rows=None, min_steps=MIN_STEPS, **overrides):
    """The profile with its training settings for your data: all rows, unless max_train/max_eval
    say; with `train_rows` known and no `epochs` given, enough epochs for `min_steps` steps."""
    profile = load_profile(profile)
    unknown = sorted(k for k, v in overrides.items() if v is not None and k not in TRAIN_DEFAULTS)
    if unknown:
        raise ValueError(f"unknown training settings {unknown}; known: {', '.join(sorted(TRAIN_DEFAULTS))}")
    train = {**profile.train, "max_train": None, "max_eval": None,
             **{k: v for k, v in overrides.items() if v is not None}}
    if train_rows and overrides.get("epochs") is None:
        train["epochs"] = epochs_for_steps(train, train_rows, min_steps)
    return profile.with_overrides(train=train, task_train={}, reference_models=[], model_ks={})


def epochs_for_steps(train, train_rows, min_steps):
    """The recipe's epochs, raised (to a whole number) until training takes `min_steps` steps:
    a small dataset needs more passes to learn, a large one keeps its recipe."""
    rows = min(train_rows, train["max_train"] or train_rows)
    steps_per_epoch = math.ceil(rows / train["batch_size"])
    return max(train["epochs"], math.ceil(min_steps / steps_per_epoch))


def _train_rows(spec_task):
    return len(load_split(spec_task, "train"))


def default_store(task_name):
    """results/own/<task name>/ under the project root (or $POORMAN_RESULTS/own/<task name>)."""
    return records.results_dir("own") / task_name


def _depth(model):
    try:
        return model_config(model).num_hidden_layers
    except OSError as err:
        raise ValueError(f"model {model!r} cannot be loaded: {err}") from None


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


def finetune(model, train, eval, text, label, *, out, text_pair=None, name=None, label_names=None,
             metrics=None, regression=None, strategy="top", k=0, layers=None, seed=42, profile="cpu",
             store=None, min_steps=MIN_STEPS, log=print, verbose=False, **overrides):
    """Drop layers (strategy + k, or explicit 0-based layers; k=0: none), fine-tune, evaluate, and
    save a checkpoint with its label names and a model card (README.md) in `out`. Returns the record.
    verbose: also the Trainer's, datasets' and transformers' own progress bars and logs."""
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ValueError(f"--out {out} exists and is not an empty folder; choose another or remove it")
    spec_task = own_task(train, eval, text, label, text_pair=text_pair, name=name, label_names=label_names,
                         metrics=metrics, regression=regression, log=log)
    _check_drop(model, [strategy], [k], layers)
    prof = recipe(profile, train_rows=_train_rows(spec_task), min_steps=min_steps, **overrides)
    role, strategy = ("baseline", "none") if not k and layers is None else ("pruned", strategy)
    spec = run_spec(prof, model, role, strategy, k, spec_task, seed, layers=layers)
    store = Path(store or default_store(spec_task["name"]))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:  # train into a hidden folder beside `out`, and move it into place only when complete
        log(f"fine-tuning {model} on {spec_task['name']} ({spec.strategy}, K={spec.k}); "
            f"runs kept in {store}")
        with quiet_libraries(verbose):
            record = train_one(spec, prof, store, save_to=tmp, verbose=verbose).to_json()
        learnt, note = learning_note(record["metrics"], dev_constant_metrics(prof, spec_task),
                                     sum(record["num_eval_examples"].values()))
        (tmp / "README.md").write_text(model_card(record, spec_task, out.name, note))
        if out.exists():
            out.rmdir()
        os.replace(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log(f"score {record['metrics']['score']:.4f}; {note}")
    log(f"saved to {out} (with README.md, the model card)")
    return {**record, "learnt": learnt}


def compare(model, train, eval, text, label, *, text_pair=None, name=None, label_names=None, metrics=None,
            regression=None, strategies=("top", "contribution"), ks=None, seeds=1, profile="cpu",
            store=None, jobs=1, min_steps=MIN_STEPS, log=print, verbose=False, **overrides):
    """Fine-tune the full model and each strategy x K (x seeds) in a run store; return the table
    of score (t-interval over seeds), parameters and latency per variant, frontier marked.
    verbose: as sweep's."""
    spec_task = own_task(train, eval, text, label, text_pair=text_pair, name=name, label_names=label_names,
                         metrics=metrics, regression=regression, log=log)
    if not isinstance(seeds, int) or seeds < 1:
        raise ValueError(f"seeds must be an integer >= 1, got {seeds!r}")
    L = _check_drop(model, list(strategies), list(ks or []))
    seed_list = list(range(42, 42 + seeds))
    prof = recipe(profile, train_rows=_train_rows(spec_task), min_steps=min_steps, **overrides).with_overrides(
        tasks=[spec_task], prune_models=[model], strategies=list(strategies), ks=list(ks or default_ks(L)),
        seeds=seed_list, baseline_seeds=seed_list, cell_seeds=[])   # every variant: the same seeds
    store = Path(store or default_store(spec_task["name"]))
    sweep(prof, store_dir=store, jobs=jobs, log=log, verbose=verbose)
    with quiet_libraries(verbose):  # side by side, not each run's own timing under another load
        latency = {row["num_layers"]: row["latency_ms"] for row in variant_table(prof, store_dir=store)}
    table = compare_table(store, {records.run_id(s) for s in expand_grid(prof)}, latency)
    table.attrs.update(task=spec_task["name"], model=model, store=str(store), latency=dict(prof.latency),
                       constant=dev_constant_metrics(prof, spec_task), n_eval=len(load_split(spec_task, "validation")))
    return table
