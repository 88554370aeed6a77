"""`poorman finetune` and `poorman compare`: your own data from the command line (own_data.py).

    poorman finetune MODEL --train F --eval F --text COL [--text-pair COL] --label COL
                     [--strategy S --k K | --layers I ...] --out DIR [--epochs N --lr X ...]
    poorman compare MODEL --train F --eval F --text COL --label COL
                    [--strategies S ...] [--ks K ...] [--seeds N] [--store DIR] [--out DIR]

The trade-off plot is a figure (poorman.book.plots); the front door (cli.py) hands in the
function that draws it, so this layer never imports the book's.
"""

import os
from pathlib import Path


def _data_arguments(p):
    p.add_argument("model", help="Hub id, local folder or tiny-random/<type>")
    p.add_argument("--train", required=True, help="train file (.csv .tsv .jsonl .json .parquet)")
    p.add_argument("--eval", required=True, help="eval file, same columns")
    p.add_argument("--text", required=True, help="the text column")
    p.add_argument("--text-pair", help="a second text column, for pairs (premise/hypothesis)")
    p.add_argument("--label", required=True, help="the label column")
    p.add_argument("--name", help="the task's name (default: the files' common name)")
    p.add_argument("--label-names", nargs="+", help="class names in id order (default: sorted)")
    p.add_argument("--metrics", nargs="+", help="default: accuracy macro_f1, or pearson spearmanr")
    p.add_argument("--regression", action="store_const", const=True, help="a numeric label (default: detected)")
    p.add_argument("--classification", dest="regression", action="store_const", const=False,
                   help="integer labels are classes even if they look like scores")
    p.add_argument("--profile", default="cpu", help="whose training recipe (smoke, cpu, paper or a YAML)")
    p.add_argument("--store", help="run store folder (default: results/own/<task name>)")
    for flag, kind, key in (("--epochs", _count, "epochs"), ("--lr", float, "learning_rate"),
                            ("--batch-size", int, "batch_size"), ("--max-length", int, "max_length"),
                            ("--max-train", int, "max_train"), ("--max-eval", int, "max_eval")):
        p.add_argument(flag, type=kind, dest=key, help=f"override the profile's {key}")
    p.add_argument("--verbose", action="store_true",
                   help="also show the Trainer's metric dicts and progress bars, and library logs")


def _count(text):
    """2 -> 2, 1.5 -> 1.5: `--epochs 2` and a profile's `epochs: 2` make the same run spec (and id)."""
    value = float(text)
    return int(value) if value.is_integer() else value


def _data(args):
    return dict(train=args.train, eval=args.eval, text=args.text, text_pair=args.text_pair, label=args.label,
                name=args.name, label_names=args.label_names, metrics=args.metrics, regression=args.regression,
                profile=args.profile, store=args.store, epochs=args.epochs, learning_rate=args.learning_rate,
                batch_size=args.batch_size, max_length=args.max_length, max_train=args.max_train,
                max_eval=args.max_eval)


def cmd_finetune(args):
    from .api import finetune  # lazily: `poorman drop` must not need the experiment stack
    if args.layers is not None and (args.k or args.strategy):
        raise ValueError("give --layers, or --strategy with --k, not both")
    record = finetune(args.model, **_data(args), strategy=args.strategy or "top", k=args.k, layers=args.layers,
                      seed=args.seed, out=args.out, verbose=args.verbose)
    m = record["metrics"]
    print(f"{record['num_layers']} of {record['original_layers']} layers; "
          + ", ".join(f"{k} {v:.4f}" for k, v in m.items()) + f"; {record['params']['total'] / 1e6:.1f}M parameters, "
          f"{record['latency']['median_ms']:.1f} ms per batch")


def check_out_folder(out):
    """--out of compare: a folder (made if missing) that can be written, checked before any training."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out}: is a file; compare writes compare.csv and tradeoff.png into a folder")
    parent = next(p for p in (out.absolute(), *out.absolute().parents) if p.exists())
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise ValueError(f"--out {out}: cannot write there, {parent} is not a writable folder")


def write_atomically(path, write):
    """write(temporary path) beside `path`, then rename it into place: a failure (a full disk)
    leaves no half-written file under the final name."""
    path = Path(path)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.partial{path.suffix}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def cmd_compare(args):
    from ..book.plots import tradeoff_plot
    from .api import compare
    from .compare import format_table
    if args.out:
        check_out_folder(args.out)
    table = compare(args.model, **_data(args), strategies=args.strategies, ks=args.ks, seeds=args.seeds,
                    jobs=args.jobs, verbose=args.verbose)
    out = Path(args.out or table.attrs["store"])
    out.mkdir(parents=True, exist_ok=True)
    print(f"\n{table.attrs['task']}, {table.attrs['model']}:\n{format_table(table)}")
    write_atomically(out / "compare.csv", lambda tmp: table.to_csv(tmp, index=False))
    write_atomically(out / "tradeoff.png", lambda tmp: tradeoff_plot(table).savefig(tmp, dpi=120, bbox_inches="tight"))
    print(f"wrote {out / 'compare.csv'} and {out / 'tradeoff.png'}")


def add_commands(sub):
    """Register finetune and compare."""
    p = sub.add_parser("finetune", help="drop layers, fine-tune on your data, save a checkpoint + model card")
    _data_arguments(p)
    p.add_argument("--strategy", help="which layers to drop (default top when --k is given)")
    p.add_argument("--k", type=int, default=0, help="layers to drop (default 0: the full model)")
    p.add_argument("--layers", type=int, nargs="+", help="explicit 0-based layers to drop")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--out", required=True, help="checkpoint folder (new or empty)")
    p.set_defaults(func=cmd_finetune)

    p = sub.add_parser("compare", help="fine-tune the full model and each strategy x K on your data; "
                                       "table, CSV and trade-off plot")
    _data_arguments(p)
    p.add_argument("--strategies", nargs="+", default=["top", "contribution"])
    p.add_argument("--ks", type=int, nargs="+", help="layers to drop (default: a sixth, a third, half)")
    p.add_argument("--seeds", type=int, default=1, help="seeds per variant (3+ gives intervals)")
    p.add_argument("--jobs", type=int, default=1, help="runs trained at once")
    p.add_argument("--out", help="folder for compare.csv and tradeoff.png (default: the store)")
    p.set_defaults(func=cmd_compare)
