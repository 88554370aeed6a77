"""Your own data as a task: a description in, a checked canonical description and a Task out.

A description (in a profile's `tasks`, from the command line, or a dict in Python):

    name: reviews                       # optional: default, the files' common name
    train: data/train.csv               # .csv .tsv .jsonl .json .parquet, or {hub: id, config: c, split: s}
    eval: data/test.csv
    text: review                        # one column, or a pair: [premise, hypothesis]
    label: sentiment
    label_names: [negative, positive]   # optional: the id order (labels may be these names or ids)
    metrics: [accuracy, macro_f1]       # optional: default accuracy + macro_f1, or pearson + spearmanr
    regression: false                   # optional: default, true when the labels are non-integer numbers

Its canonical form (Task.spec, the `task` of every run spec) has every field filled in, the label
names in id order, and each file as {"path": absolute, "sha256": of its bytes}. Run ids hash the
sha256 but not the path (records.run_id): a changed file never reuses stale records, and the same
bytes anywhere reuse them. Train and eval share one label mapping. Every data mistake fails here,
before any training, naming the file, the column and the first bad row (own_table.py).
"""

from __future__ import annotations

import json
import math
import os
import re
import warnings
from functools import lru_cache
from pathlib import Path

from datasets import ClassLabel, Dataset, Features, Value

from . import own_table
from .glue_tasks import Task, glue_task
from .metric_fns import METRICS
from .names import check_name

REQUIRED = ("train", "eval", "text", "label")
OPTIONAL = ("name", "label_names", "metrics", "regression")
REGRESSION_METRICS = {"pearson", "spearmanr"}


def text_and_label(desc: dict, where: str) -> tuple[list, str]:
    text = [desc["text"]] if isinstance(desc["text"], str) else list(desc["text"])
    if len(text) not in (1, 2) or not all(isinstance(c, str) and c for c in text):
        raise ValueError(f"{where}: text must be one column name or a pair, got {desc['text']!r}")
    label = desc["label"]
    if not isinstance(label, str) or not label:
        raise ValueError(f"{where}: label must be one column name, got {label!r}")
    if len(text) == 2 and text[0] == text[1]:
        raise ValueError(f"{where}: the text pair names column {text[0]!r} twice (--text and --text-pair); "
                         f"a pair is two different columns, or give --text alone")
    if label in text:
        raise ValueError(f"{where}: column {label!r} is both a text column and the label; "
                         f"the label must be a column of its own")
    if {"label", "idx"} & set(text):
        raise ValueError(f"{where}: a text column cannot be called 'label' or 'idx' (poorman's own "
                         f"columns); rename it in the file")
    return text, label


def _source(value, base: Path) -> dict:
    if isinstance(value, dict) and "hub" in value:
        if not value.get("split"):
            raise ValueError(f"Hub source {value['hub']!r} needs a split, e.g. {{hub: {value['hub']}, split: train}}")
        return {"hub": str(value["hub"]), "config": value.get("config"), "split": str(value["split"])}
    if isinstance(value, dict):
        if "path" not in value:
            raise ValueError(f"a source is a file path or {{hub: id, config: ..., split: ...}}, got {value!r}")
        given, value = value.get("sha256"), value["path"]
        source = own_table.local_source(value, base)
        if given and given != source["sha256"]:
            raise ValueError(f"{source['path']} changed since this task was described (sha256 "
                             f"{given[:12]}..., now {source['sha256'][:12]}...)")
        return source
    return own_table.local_source(value, base)


def _name(desc: dict, train: dict, eval_: dict) -> str:
    """The given name, else the files' common stem ("reviews" for reviews_train.csv + reviews_test.csv),
    else their folder's. Never a GLUE task's: a profile may hold both, and names key their settings."""
    if desc.get("name"):
        name = check_name(str(desc["name"]), "task name")  # it names the run store's folder
        if _is_glue(name):
            raise ValueError(f"task name {name!r} is a GLUE task's; give your data another name")
        return name
    if "hub" in train:
        name = train["hub"].rstrip("/").split("/")[-1]
    else:
        a, b = Path(train["path"]), Path(eval_.get("path", train["path"]))
        words = [re.split(r"([_\-. ])", p.stem) for p in (a, b)]  # "reviews", "_", "train"
        name = "".join(os.path.commonprefix(words)).strip("_-. ") if a.stem != b.stem else a.stem
        name = name if len(name) >= 2 else a.parent.name or "own-data"
    return f"{name}-own" if _is_glue(name) else name


def _is_glue(name: str) -> bool:
    try:
        glue_task(name)
    except ValueError:
        return False
    return True


def _label_text(value) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer():
        return str(int(value))
    if hasattr(value, "item"):  # numpy scalars from Parquet
        return _label_text(value.item())
    return str(value).strip()


def _number(value) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _sort_key(name: str):
    """Numbers (and number strings) in numeric order, "2" before "10"; then the other names."""
    return (0, int(name), "") if name.lstrip("-").isdigit() else (1, 0, name)


def _by_names(tables, label, names) -> list[list[int]]:
    """Each table's label ids, reading labels as names of `names` or, if none is, as ids 0..n-1."""
    raw = [[_label_text(v) for v in own_table.labels(t, label)] for t in tables]
    as_ids = not any(x in names for xs in raw for x in xs) and \
        all(x.isdigit() and int(x) < len(names) for xs in raw for x in xs)
    ids = {str(i): i for i in range(len(names))} if as_ids else {n: i for i, n in enumerate(names)}
    for table, xs in zip(tables, raw):
        bad = [i for i, x in enumerate(xs) if x not in ids]
        if bad:
            raise ValueError(f"{table.where}, column {label!r}, {table.row(bad[0])}: label {xs[bad[0]]!r} is not "
                             f"in label_names {list(names)} (nor an id 0..{len(names) - 1}){table.count(bad)}")
    return [[ids[x] for x in xs] for xs in raw]


def _check_classes(train, eval_, label, names, train_ids, eval_ids) -> None:
    present = set(train_ids)
    if len(present) < 2:
        raise ValueError(f"{train.where}, column {label!r}: a single class ({names[train_ids[0]]!r}) in every "
                         f"row ({train.span()}); a classifier needs two or more")
    if len(present) == len(train_ids):
        raise ValueError(f"{train.where}, column {label!r}: {len(present)} classes in {len(train_ids)} rows, "
                         f"every row its own class ({train.span()}); is {label!r} "
                         f"really the label column? (for a numeric score, set regression)")
    absent = [i for i, x in enumerate(eval_ids) if x not in present]
    if absent:
        raise ValueError(f"{eval_.where}, column {label!r}, {eval_.row(absent[0])}: class "
                         f"{names[eval_ids[absent[0]]]!r} is not in the train file {train.where} "
                         f"(its classes: {', '.join(names[i] for i in sorted(present))}){eval_.count(absent)}")


def _regression(tables, label) -> None:
    for table in tables:
        bad = [i for i, v in enumerate(own_table.labels(table, label)) if _number(v) is None]
        if bad:
            raise ValueError(f"{table.where}, column {label!r}, {table.row(bad[0])}: label "
                             f"{table.frame[label].iloc[bad[0]]!r} is not a number (regression){table.count(bad)}")


def _check_correlation(eval_, label) -> None:
    """Pearson and Spearman need two or more eval rows whose labels differ; else the score is undefined."""
    values = {float(v) for v in own_table.labels(eval_, label)}
    if len(eval_.frame) < 2 or len(values) < 2:
        raise ValueError(f"{eval_.where}, column {label!r}: {len(eval_.frame)} eval row(s), every label "
                         f"{_label_text(next(iter(values)))} ({eval_.span()}); a regression is scored by "
                         f"correlation (pearson, spearmanr), undefined unless the eval labels vary: "
                         f"give an eval file of two or more rows with different labels")


def _same_data(train: dict, eval_: dict, log) -> None:
    """Eval rows that are the train rows measure how well the model learnt them, not how it does on
    new text: allowed (a smoke test), with a warning."""
    same = train.get("sha256") == eval_.get("sha256") if "sha256" in train else train == eval_
    if same:
        warnings.warn(f"the eval data is the train data ({eval_.get('path') or eval_.get('hub')}): "
                      f"the score will say how well the model fits its training rows, not how it does on "
                      f"new text; give an eval file of other rows for a real measure")


def _is_regression(tables, label, desc) -> bool:
    if desc.get("regression") is not None:
        return bool(desc["regression"])
    if desc.get("label_names"):
        return False
    values = [_number(v) for t in tables for v in own_table.labels(t, label)]
    return all(x is not None for x in values) and any(not x.is_integer() for x in values)


def _label_names(tables, label, desc) -> tuple[list, str]:
    """(label names in id order, where the order came from) after every label check."""
    train, eval_ = tables
    given, order = desc.get("label_names") or train.classes.get(label), "the order of label_names"
    if given:
        names = [str(n) for n in given]
        order = order if desc.get("label_names") else "the dataset's ClassLabel order"
        if len(set(names)) != len(names):
            raise ValueError(f"label_names {names} repeat a name")
    else:  # sorted train classes; eval classes the train file lacks are caught below
        seen = {_label_text(v) for v in own_table.labels(train, label)}
        names = sorted(seen | {_label_text(v) for v in own_table.labels(eval_, label)}, key=_sort_key)
        order = "sorted names; give label_names to choose another order"
    train_ids, eval_ids = _by_names(tables, label, names)
    _check_classes(train, eval_, label, names, train_ids, eval_ids)
    return (names if given else [n for n in names if n in seen]), order


def check_tables(train, eval_, text: list, label: str, desc: dict, log=print) -> tuple[list, bool]:
    """Every cell and label check on a train and an eval table -> (label names, regression)."""
    for table in (train, eval_):
        own_table.check_columns(table, text, label)
        for column in text:
            own_table.texts(table, column)
    if _is_regression((train, eval_), label, desc):
        _regression((train, eval_), label)
        _check_correlation(eval_, label)
        return [], True
    names, order = _label_names((train, eval_), label, desc)
    log(f"{desc.get('name') or 'labels'}: label ids {', '.join(f'{i}={n}' for i, n in enumerate(names))} ({order})")
    return names, False


def to_dataset(table, text: list, label: str, names: list, regression: bool, split: str = "train") -> Dataset:
    """A checked table as the engine's columns: the text columns, "label" (ids or floats), "idx"."""
    columns = {c: own_table.texts(table, c) for c in text}
    if regression:
        _regression([table], label)
        labels, feature = [float(v) for v in own_table.labels(table, label)], Value("float32")
    else:
        labels, feature = _by_names([table], label, names)[0], ClassLabel(names=list(names))
    columns |= {"label": labels, "idx": list(range(len(labels)))}
    features = Features({c: Value("string") for c in text} | {"label": feature, "idx": Value("int32")})
    return Dataset.from_dict(columns, features=features, split=split)


def task_metrics(desc: dict, regression: bool, num_labels: int) -> list:
    metrics = list(desc.get("metrics") or (["pearson", "spearmanr"] if regression else ["accuracy", "macro_f1"]))
    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        raise ValueError(f"unknown metric(s) {unknown}; known: {', '.join(METRICS)}")
    wrong = [m for m in metrics if (m in REGRESSION_METRICS) != regression or (m == "f1" and num_labels != 2)]
    if wrong:
        kind = "a regression" if regression else f"a {num_labels}-class"
        raise ValueError(f"metric(s) {wrong} do not fit {kind} task (f1 is binary; pearson and spearmanr "
                         f"need a numeric label)")
    return metrics


def describe(desc: dict, base: str | Path | None = None, log=print) -> dict:
    """Check a description against its data; return the canonical form (see the module docstring)."""
    if not isinstance(desc, dict):
        raise ValueError(f"a task is a GLUE name or a description (a mapping), got {desc!r}")
    missing = [k for k in REQUIRED if k not in desc]
    unknown = sorted(set(desc) - set(REQUIRED) - set(OPTIONAL))
    if missing or unknown:
        raise ValueError(f"task description {desc.get('name', '')!r}: " + (f"missing {missing}; " if missing else "")
                         + (f"unknown keys {unknown}; " if unknown else "")
                         + f"needs {', '.join(REQUIRED)}, may have {', '.join(OPTIONAL)}")
    if desc.get("regression") and desc.get("label_names"):
        raise ValueError("a regression task has no label_names; drop one of the two")
    base = Path(base or Path.cwd())
    train, eval_ = _source(desc["train"], base), _source(desc["eval"], base)
    text, label = text_and_label(desc, train.get("path") or train["hub"])
    name = _name(desc, train, eval_)
    quiet = set(desc) == {*REQUIRED, *OPTIONAL} and all(isinstance(desc[k], dict) for k in ("train", "eval"))
    if not quiet:
        _same_data(train, eval_, log)
    tables = [own_table.read_source(s, [*text, label]) for s in (train, eval_)]
    # a canonical description (a run spec's) was printed (and warned about) when it was first described
    names, regression = check_tables(*tables, text, label, {**desc, "name": name},
                                     log=(lambda *_: None) if quiet else log)
    return {"name": name, "train": train, "eval": eval_, "text": text, "label": label,
            "label_names": names, "regression": regression,
            "metrics": task_metrics(desc, regression, len(names))}


@lru_cache(maxsize=32)
def _task(key: str, stats: tuple) -> Task:
    spec = describe(json.loads(key))
    return Task(name=spec["name"], text_fields=tuple(spec["text"]), num_labels=max(1, len(spec["label_names"])),
                label_names=tuple(spec["label_names"]), metrics=tuple(spec["metrics"]), hub_path=None,
                hub_config=None, tsv=None, own_spec=json.dumps(spec, sort_keys=True))


def _stats(desc: dict) -> tuple:
    """Size and mtime of each local file: a changed file is described again, not served from the cache."""
    out = []
    for key in ("train", "eval"):
        value = desc.get(key)
        value = value.get("path") if isinstance(value, dict) else value
        path = Path(str(value)).expanduser() if value else None
        st = path.stat() if path and path.is_file() else None
        out.append((str(path.resolve()), st.st_size, st.st_mtime_ns) if st else None)
    return tuple(out)


def task_from_description(desc: dict) -> Task:
    """get_task for your own data (relative paths are taken from the current folder)."""
    return _task(json.dumps(desc, sort_keys=True, default=str), _stats(desc))


def load_own_split(task: Task, split: str) -> Dataset:
    """One split ("train", or "validation" for the eval source) of a task described by own data."""
    spec = task.spec
    table = own_table.read_source(spec["train"] if split == "train" else spec["eval"])
    own_table.check_columns(table, spec["text"], spec["label"])
    return to_dataset(table, spec["text"], spec["label"], spec["label_names"], spec["regression"], split)
