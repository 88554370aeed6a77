"""The `poorman` command line.

    poorman drop MODEL --strategy top --k 4 --out DIR [--overwrite] [--calibration FILE|glue:TASK]
    poorman drop MODEL --layers 0 5 11 --out DIR
    poorman strategies
    poorman info MODEL
    poorman sweep --profile cpu [--tasks ...] [--models ...] [--shard 0/4] [--jobs 2] [--glue-dir DIR] [--verbose]
    poorman results --profile cpu
    poorman book [--profile cpu] [--rerun] [--glue-dir DIR]
    poorman finetune MODEL --train F --eval F --text COL --label COL [--strategy S --k K] --out DIR
    poorman compare MODEL --train F --eval F --text COL --label COL [--strategies ...] [--ks ...]
    poorman migrate-store [--profile cpu | --store DIR] [--glue-dir DIR] [--dry-run]
    poorman --debug ...    the whole traceback of an error, not one line
"""

import argparse
import json
import os
import sys
import warnings
from pathlib import Path

OFFLINE_HINT = ("offline, `python scripts/offline_models.py` puts the cpu profile's two checkpoints "
                "in the Hugging Face cache")


def _load_config(model_id):
    """The model's config, or a message: no such folder, not a Hub id, or not in the cache offline."""
    from .core.surgery.load import load_config
    try:
        return load_config(model_id)
    except OSError as err:
        raise OSError(f"{model_id}: cannot be loaded: {str(err).splitlines()[0]} ({OFFLINE_HINT})") from None


def _load_tokenizer(model_id, needed):
    """The model's tokenizer; None (with a note) when it cannot load and is only carried along."""
    from transformers import AutoTokenizer
    try:
        return AutoTokenizer.from_pretrained(model_id, trust_remote_code=False)
    except (ImportError, OSError, ValueError) as err:  # ImportError: sentencepiece or protobuf missing
        reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        if needed:
            raise ValueError(f"the scores need {model_id}'s tokenizer, which does not load: {reason}") from None
        print(f"poorman drop: {model_id}'s tokenizer does not load ({reason}); saving the model without it",
              file=sys.stderr)
        return None


def _calibration_texts(spec, n):
    """A text file (one example per line; tab separates a pair), FILE:COLUMN (texts kept whole) or glue:TASK."""
    if spec.startswith("glue:"):
        from .experiments.data import load_glue
        from .experiments.data.tasks import get_task
        task = get_task(spec[5:])  # the local copy $POORMAN_GLUE_DIR names, else the Hub
        return task.texts(load_glue(task.name, "train", max_examples=n, seed=0))
    path = Path(spec)
    if not path.is_file() and ":" in spec:  # FILE:COLUMN, or FILE:FIRST,SECOND for pairs
        from .experiments.data.own_table import column_texts
        file, columns = spec.rsplit(":", 1)
        return column_texts(file, columns.split(","), n)
    if not path.is_file():
        raise ValueError(f"--calibration {spec}: not a file; give a text file (one example per line, "
                         f"a tab between the two texts of a pair), FILE:COLUMN of a CSV, JSON lines or "
                         f"Parquet file, or glue:TASK, e.g. glue:sst2")
    lines = [ln.rstrip("\n") for ln in path.read_text().splitlines() if ln.strip()][:n]
    if not lines:
        raise ValueError(f"--calibration {spec}: the file holds no text")
    return [tuple(ln.split("\t", 1)) if "\t" in ln else ln for ln in lines]


def _check_out(out, overwrite):
    """Refuse an --out that exists (unless --overwrite replaces a folder) or cannot be written."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out}: is a file; a checkpoint is a folder, so give a new folder path")
    if out.exists() and not overwrite:
        raise ValueError(f"--out {out}: already exists; pass --overwrite to replace it")
    parent = next(p for p in out.absolute().parents if p.exists())
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise ValueError(f"--out {out}: cannot create it, {parent} is not a writable folder")


def _plan(args, num_layers):
    """(strategy, dropped): the layers to drop, or None for strategies that need scores first."""
    from .core.strategies import NEEDS_MODEL, NEEDS_SCORES, STRATEGIES, select_layers
    from .core.surgery import validate_layers
    if args.layers is not None:
        given = [f"--{n}" for n in ("strategy", "k", "calibration") if getattr(args, n) is not None]
        if given:
            raise ValueError(f"--layers names the layers to drop itself; leave out {', '.join(given)}")
        return "manual", sorted(validate_layers(args.layers, num_layers))
    if args.k is None:
        raise ValueError(f"say what to drop: --k K (how many, 0..{num_layers - 1}; with --strategy, "
                         f"default top), or --layers I [I ...] (0-based indices)")
    strategy = args.strategy or "top"
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}; known strategies: {', '.join(STRATEGIES)}")
    if strategy in NEEDS_SCORES and args.calibration is None:
        raise ValueError(f"--strategy {strategy} needs --calibration FILE or glue:TASK")
    if strategy not in NEEDS_SCORES and args.calibration is not None:
        raise ValueError(f"--calibration is used only by {' and '.join(NEEDS_SCORES)}, not by {strategy}")
    if strategy in NEEDS_MODEL:
        select_layers("top", num_layers, args.k)  # the same check of k; the choice waits for the scores
        return strategy, None
    return strategy, select_layers(strategy, num_layers, args.k)


def cmd_drop(args):
    """Every argument is checked before the (slow) model load; --out is written whole or not at all."""
    from . import drop_layers, get_adapter, layer_scores, select_layers, weight_scores
    from .core.strategies import NEEDS_WEIGHTS
    from .core.surgery import load_model, save_checkpoint
    _check_out(args.out, args.overwrite)
    config = _load_config(args.model)
    L = get_adapter(config).config_depth(config)
    strategy, dropped = _plan(args, L)
    by_data = dropped is None and strategy not in NEEDS_WEIGHTS
    texts = _calibration_texts(args.calibration, args.calibration_size) if by_data else None
    tokenizer = _load_tokenizer(args.model, needed=texts is not None)
    print(f"loading {args.model} ...", file=sys.stderr)
    model = load_model(args.model, config)
    scores = None
    if dropped is None:
        scores = layer_scores(model, texts, tokenizer=tokenizer, token=args.token) if by_data else weight_scores(model)
        dropped = select_layers(strategy, L, args.k, scores=scores)
    drop_layers(model, dropped, strategy=strategy)
    save_checkpoint(model, args.out, tokenizer=tokenizer, overwrite=args.overwrite)
    print(f"dropped layers {dropped} of {L} ({strategy}); saved {L - len(dropped)}-layer model to {args.out}")
    if by_data:
        print("layer cosine:", " ".join(f"{c:.3f}" for c in scores.cosine))
    elif scores is not None:
        stat = strategy.split("-", 1)[1]
        print(f"layer weight {stat}:", " ".join(f"{v:.4g}" for v in getattr(scores, stat)))


def cmd_strategies(args):
    from .core.strategies import NEEDS_SCORES, NEEDS_WEIGHTS, STRATEGIES, select_layers
    L, k = args.num_layers, args.k
    for name, doc in STRATEGIES.items():
        if name in NEEDS_SCORES:
            example = (f"needs scores, e.g. poorman drop MODEL --strategy {name} --k {k} "
                       f"--calibration glue:sst2 --out DIR")
        elif name in NEEDS_WEIGHTS:
            example = f"chosen by the weights (no data), e.g. poorman drop MODEL --strategy {name} --k {k} --out DIR"
        else:
            example = "drops " + ", ".join(str(i + 1) for i in select_layers(name, L, k))
        print(f"{name:17s} {doc}\n{'':17s} L={L}, K={k} (1-based): {example}")


def cmd_info(args):
    from . import count_parameters, get_adapter
    from .core.surgery import load_model
    config = _load_config(args.model)
    model = load_model(args.model, config)
    adapter = get_adapter(model)
    info = {"model": args.model, "class": type(model).__name__, "model_type": config.model_type,
            "adapter": type(adapter).__name__, "num_layers": adapter.num_layers(model),
            "shares_weights": adapter.shares_weights, "params": count_parameters(model),
            "poorman": getattr(config, "poorman", None)}
    print(json.dumps(info, indent=2))


GLUE_DIR_HELP = "a local GLUE copy in the download_glue_data.py layout (sets $POORMAN_GLUE_DIR); default: the Hub"


def _use_glue_dir(path):
    """--glue-dir: read GLUE from this local copy. Set in the environment, so that the sweep's
    worker processes and the book's notebooks read it too."""
    if path:
        os.environ["POORMAN_GLUE_DIR"] = str(Path(path).expanduser().resolve())


def cmd_sweep(args):
    from .experiments.sweep import parse_shard, sweep
    _use_glue_dir(args.glue_dir)
    sweep(args.profile, tasks=args.tasks, models=args.models, strategies=args.strategies,
          ks=args.ks, shard=parse_shard(args.shard), dry_run=args.dry_run, jobs=args.jobs, verbose=args.verbose)


def cmd_results(args):
    from .experiments.store import results, results_dir, mean_score_table
    df = results(args.profile)
    print(f"{len(df)} runs in {results_dir(args.profile)}/runs/")
    if df.empty:
        return
    print("mean score by model, strategy and K; each task column names its metric (mean of several):")
    print(mean_score_table(df).to_string(float_format="{:.4f}".format))  # every row and column, at any width


def cmd_book(args):
    from .book.build import build_book
    _use_glue_dir(args.glue_dir)
    build_book(profile=args.profile, rerun=args.rerun, only=args.only, tasks=args.tasks)


def cmd_migrate_store(args):
    from .experiments.profiles import builtin_profiles, load_profile
    from .experiments.store.migrate import migrate_store
    from .experiments.store.records import results_dir
    store = Path(args.store) if args.store else results_dir(load_profile(args.profile or "cpu").name)
    named = args.profile or args.store is None or store.name in builtin_profiles()
    profile = load_profile(args.profile or store.name) if named else None
    glue = args.glue_dir or os.environ.get("POORMAN_GLUE_DIR")
    print(f"migrating {store}: its GLUE runs read " + (f"the TSV files in {glue}" if glue else "the Hub (nyu-mll/glue)"))
    report = migrate_store(store, glue, profile_glue_dir=bool(profile and profile.glue_dir), dry_run=args.dry_run)
    print(("dry run, nothing written: " if args.dry_run else "") + report.summary())


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _add_drop(sub):
    p = sub.add_parser("drop", help="drop layers from MODEL and save a standard checkpoint")
    p.add_argument("model", help="Hub id or local folder")
    p.add_argument("--strategy", help="how to choose the k layers (default top); see `poorman strategies`")
    p.add_argument("--k", type=int, help="number of layers to drop")
    p.add_argument("--layers", type=int, nargs="+", help="explicit 0-based indices (instead of --strategy/--k)")
    p.add_argument("--out", required=True, help="a new folder for the pruned checkpoint")
    p.add_argument("--overwrite", action="store_true", help="replace --out if it exists (atomically)")
    p.add_argument("--calibration", help="text file (one a line), FILE:COLUMN of a CSV/JSONL/Parquet file, "
                                         "or glue:TASK, for contribution/angular")
    p.add_argument("--calibration-size", type=_positive_int, default=256, help="calibration texts used")
    p.add_argument("--token", default="mean", choices=["first", "last", "mean"])
    p.set_defaults(func=cmd_drop)


def _add_strategies(sub):
    p = sub.add_parser("strategies", help="list the strategies with the paper's example")
    p.add_argument("--num-layers", type=int, default=12)
    p.add_argument("--k", type=int, default=4)
    p.set_defaults(func=cmd_strategies)


def _add_info(sub):
    p = sub.add_parser("info", help="depth, adapter, parameters and drop history of MODEL")
    p.add_argument("model")
    p.set_defaults(func=cmd_info)


def _add_sweep(sub):
    p = sub.add_parser("sweep", help="fine-tune the missing runs of a profile's grid")
    p.add_argument("--profile", default="cpu", help="smoke, cpu, paper or a YAML path")
    p.add_argument("--tasks", nargs="+")
    p.add_argument("--models", nargs="+")
    p.add_argument("--strategies", nargs="+")
    p.add_argument("--ks", type=int, nargs="+")
    p.add_argument("--shard", default="0/1", help="i/n: run every n-th run starting at i")
    p.add_argument("--jobs", type=int, help="runs trained at once (default: the profile's jobs)")
    p.add_argument("--dry-run", action="store_true")
    p.add_argument("--glue-dir", help=GLUE_DIR_HELP)
    p.add_argument("--verbose", action="store_true",
                   help="also show the Trainer's metric dicts and the inner progress bars")
    p.set_defaults(func=cmd_sweep)


def _add_results(sub):
    p = sub.add_parser("results", help="the run store as a table")
    p.add_argument("--profile", default="cpu")
    p.set_defaults(func=cmd_results)


def _add_book(sub):
    p = sub.add_parser("book", help="notebooks -> papermill (profile) -> jupyter-book build")
    p.add_argument("--profile", default="cpu")
    p.add_argument("--rerun", action="store_true", help="execute notebooks even if up to date")
    p.add_argument("--only", nargs="+", help="notebook names to execute (default: all)")
    p.add_argument("--tasks", nargs="+", help="restrict the sweep and the chapters to these tasks")
    p.add_argument("--glue-dir", help=GLUE_DIR_HELP)
    p.set_defaults(func=cmd_book)


def _add_migrate_store(sub):
    p = sub.add_parser("migrate-store", help="bring a run store's ids and caches to the current run identity, "
                                             "without retraining")
    p.add_argument("--profile", help="the profile whose store (or, with --store, whose runs) to migrate; default cpu")
    p.add_argument("--store", help="a store folder (holding runs/), instead of the profile's")
    p.add_argument("--glue-dir", help="the GLUE copy the store's runs read (default $POORMAN_GLUE_DIR; "
                                      "neither: the Hub)")
    p.add_argument("--dry-run", action="store_true", help="say what would change, change nothing")
    p.set_defaults(func=cmd_migrate_store)


def parser():
    """The `poorman` command line: one sub-command per verb."""
    top = argparse.ArgumentParser(prog="poorman", description="Drop layers from pre-trained transformers.")
    top.add_argument("--debug", action="store_true", help="show the whole traceback of an error")
    sub = top.add_subparsers(dest="command", required=True)
    for add in (_add_drop, _add_strategies, _add_info, _add_sweep, _add_results, _add_book, _add_migrate_store):
        add(sub)
    from .own.commands import add_commands
    add_commands(sub)  # finetune, compare: your own data
    return top


def main(argv=None):
    """Run one command. Bad input (a ValueError, OSError or ImportError: no such model, a wrong
    argument, a missing file) is one line naming what was wrong; --debug shows the traceback, and
    any other error always does."""
    args = parser().parse_args(argv)
    try:
        with warnings.catch_warnings():  # warnings read as notes of this command, not as code locations
            warnings.showwarning = lambda message, *_: print(f"poorman {args.command}: {message}", file=sys.stderr)
            args.func(args)
    except (ValueError, OSError, ImportError) as err:
        if args.debug:
            raise
        hint = f" ({OFFLINE_HINT})" if "cannot be loaded" in str(err) and OFFLINE_HINT not in str(err) else ""
        raise SystemExit(f"poorman {args.command}: {err}{hint}") from None


if __name__ == "__main__":
    main()
