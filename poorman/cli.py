"""The `poorman` command line.

    poorman drop MODEL --strategy top --k 4 --out DIR [--calibration FILE|glue:TASK]
    poorman strategies
    poorman info MODEL
    poorman sweep --profile cpu [--tasks ...] [--models ...] [--shard 0/4] [--jobs 2] [--glue-dir DIR] [--verbose]
    poorman results --profile cpu
    poorman book [--profile cpu] [--rerun] [--glue-dir DIR]
    poorman finetune MODEL --train F --eval F --text COL --label COL [--strategy S --k K] --out DIR
    poorman compare MODEL --train F --eval F --text COL --label COL [--strategies ...] [--ks ...]
"""

import argparse
import json
import os
import sys
from pathlib import Path


def _load_any(model_id):
    """The checkpoint's own class (from config.architectures) so heads survive; AutoModel otherwise.

    Some checkpoints name a head they do not hold (sentence-transformers' MPNet says
    MPNetForMaskedLM but stores only the encoder and pooler): loading that class would add a
    random head and lose the pooler, so when any weight is missing the bare AutoModel is used.
    """
    import transformers
    from transformers import AutoConfig, AutoModel
    config = AutoConfig.from_pretrained(model_id)
    arch = (getattr(config, "architectures", None) or [None])[0]
    cls = getattr(transformers, arch, None) if arch else None
    if cls is not None:
        verbosity = transformers.logging.get_verbosity()
        transformers.logging.set_verbosity_error()  # no load report for a try we may discard
        try:
            model, info = cls.from_pretrained(model_id, output_loading_info=True)
        finally:
            transformers.logging.set_verbosity(verbosity)
        if not info["missing_keys"]:
            return model, config
        print(f"{model_id}: config.architectures says {arch}, but the checkpoint lacks "
              f"{len(info['missing_keys'])} of its weights; loading the bare AutoModel", file=sys.stderr)
    return AutoModel.from_pretrained(model_id), config


def _calibration_texts(spec, n):
    """A text file (one example per line; tab separates a pair), FILE:COLUMN (texts kept whole) or glue:TASK."""
    if spec.startswith("glue:"):
        from .experiments.data import load_glue
        from .experiments.tasks import get_task
        task = get_task(spec[5:])  # the local copy $POORMAN_GLUE_DIR names, else the Hub
        return task.texts(load_glue(task.name, "train", max_examples=n, seed=0))
    path = Path(spec)
    if not path.is_file() and ":" in spec:  # FILE:COLUMN, or FILE:FIRST,SECOND for pairs
        from .experiments.own_table import column_texts
        file, columns = spec.rsplit(":", 1)
        return column_texts(file, columns.split(","), n)
    if not path.is_file():
        raise SystemExit(f"--calibration {spec}: not a file; give a text file (one example per line, "
                         f"a tab between the two texts of a pair), FILE:COLUMN of a CSV, JSON lines or "
                         f"Parquet file, or glue:TASK, e.g. glue:sst2")
    lines = [ln.rstrip("\n") for ln in path.read_text().splitlines() if ln.strip()][:n]
    return [tuple(ln.split("\t", 1)) if "\t" in ln else ln for ln in lines]


def cmd_drop(args):
    from transformers import AutoTokenizer

    from . import drop_layers, get_adapter, layer_scores, select_layers
    from .core.strategies import NEEDS_SCORES, STRATEGIES
    if args.layers is None:  # fail before the (slow) model load
        if args.strategy not in STRATEGIES:
            raise SystemExit(f"poorman drop: unknown strategy {args.strategy!r}; known strategies: "
                             f"{', '.join(STRATEGIES)}")
        if args.strategy in NEEDS_SCORES and not args.calibration:
            raise SystemExit(f"poorman drop: --strategy {args.strategy} needs --calibration FILE or glue:TASK")
    print(f"loading {args.model} ...", file=sys.stderr)
    model, _ = _load_any(args.model)
    L = get_adapter(model).num_layers(model)
    scores = None
    tokenizer = None
    try:
        tokenizer = AutoTokenizer.from_pretrained(args.model)
    except (OSError, ValueError):
        pass
    if args.layers is not None:
        dropped, strategy = sorted(args.layers), "manual"
    else:
        if args.strategy in NEEDS_SCORES:
            texts = _calibration_texts(args.calibration, args.calibration_size)
            scores = layer_scores(model, texts, tokenizer=tokenizer, token=args.token)
        dropped, strategy = select_layers(args.strategy, L, args.k, scores=scores), args.strategy
    drop_layers(model, dropped, strategy=strategy)
    model.save_pretrained(args.out)
    if tokenizer is not None:
        tokenizer.save_pretrained(args.out)
    print(f"dropped layers {dropped} of {L} ({strategy}); saved {L - len(dropped)}-layer model to {args.out}")
    if scores is not None:
        print("layer cosine:", " ".join(f"{c:.3f}" for c in scores.cosine))


def cmd_strategies(args):
    from .core.strategies import STRATEGIES, select_layers
    L = args.num_layers
    for name, doc in STRATEGIES.items():
        example = "needs scores" if name in ("contribution", "angular") else \
            "drops " + ", ".join(str(i + 1) for i in select_layers(name, L, args.k))
        print(f"{name:15s} {doc}\n{'':15s} L={L}, K={args.k} (1-based): {example}")


def cmd_info(args):
    from . import count_parameters, get_adapter
    model, config = _load_any(args.model)
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
    from .experiments.store import results, results_dir, score_table
    df = results(args.profile)
    print(f"{len(df)} runs in {results_dir(args.profile)}/runs/")
    if df.empty:
        return
    print("mean score by model, strategy and K; each task column names its metric (mean of several):")
    print(score_table(df).to_string(float_format="{:.4f}".format))  # every row and column, at any width


def cmd_book(args):
    from .book.build import build_book
    _use_glue_dir(args.glue_dir)
    build_book(profile=args.profile, rerun=args.rerun, only=args.only, tasks=args.tasks)


def _draw_tradeoff(table, path):
    from .book.plots import tradeoff_plot
    tradeoff_plot(table).savefig(path, dpi=120, bbox_inches="tight")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="poorman", description="Drop layers from pre-trained transformers.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("drop", help="drop layers from MODEL and save a standard checkpoint")
    p.add_argument("model", help="Hub id or local folder")
    p.add_argument("--strategy", default="top")
    p.add_argument("--k", type=int, default=0, help="number of layers to drop")
    p.add_argument("--layers", type=int, nargs="+", help="explicit 0-based indices (overrides --strategy)")
    p.add_argument("--out", required=True)
    p.add_argument("--calibration", help="text file (one a line), FILE:COLUMN of a CSV/JSONL/Parquet file, "
                                         "or glue:TASK, for contribution/angular")
    p.add_argument("--calibration-size", type=int, default=256)
    p.add_argument("--token", default="mean", choices=["first", "last", "mean"])
    p.set_defaults(func=cmd_drop)

    p = sub.add_parser("strategies", help="list the strategies with the paper's example")
    p.add_argument("--num-layers", type=int, default=12)
    p.add_argument("--k", type=int, default=4)
    p.set_defaults(func=cmd_strategies)

    p = sub.add_parser("info", help="depth, adapter, parameters and drop history of MODEL")
    p.add_argument("model")
    p.set_defaults(func=cmd_info)

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

    p = sub.add_parser("results", help="the run store as a table")
    p.add_argument("--profile", default="cpu")
    p.set_defaults(func=cmd_results)

    p = sub.add_parser("book", help="notebooks -> papermill (profile) -> jupyter-book build")
    p.add_argument("--profile", default="cpu")
    p.add_argument("--rerun", action="store_true", help="execute notebooks even if up to date")
    p.add_argument("--only", nargs="+", help="notebook names to execute (default: all)")
    p.add_argument("--tasks", nargs="+", help="restrict the sweep and the chapters to these tasks")
    p.add_argument("--glue-dir", help=GLUE_DIR_HELP)
    p.set_defaults(func=cmd_book)

    from .experiments.commands import add_commands
    add_commands(sub, draw_tradeoff=_draw_tradeoff)  # finetune, compare: your own data

    args = parser.parse_args(argv)
    try:
        args.func(args)
    except (ValueError, OSError) as err:  # bad input (e.g. no such model): a message, not a traceback
        raise SystemExit(f"poorman {args.command}: {err}") from None


if __name__ == "__main__":
    main()
