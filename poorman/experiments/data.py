"""Rows in, token ids out: GLUE from the Hub or a local TSV folder, or your own CSV/Hub data.

Both GLUE sources give the Hub's schema (text fields, "label", "idx" int32) and the same rows in
the same order, because the TSV parser follows the conventions of the script that built
nyu-mll/glue: csv with QUOTE_NONE, idx = row number in the file, rows with a missing field dropped
(their number is still counted), label strings mapped to the Hub's ClassLabel ids, stsb as float32.

Known difference, not checkable offline: MRPC. The Hub built MRPC from SentEval's tokenised copy of
msr_paraphrase_train.txt ("doesn 't", "company 's"), and its idx counts rows of that combined
train+dev file (the first validation row has idx 9). A download_glue_data.py folder made from the
Microsoft installer has the untokenised text, and we can only number its rows 0..n-1. Row order,
row count and labels agree, so max_examples picks the same pairs from both sources.
"""

from __future__ import annotations

import csv
import os
from collections import OrderedDict
from pathlib import Path

import numpy as np
from datasets import ClassLabel, Dataset, Features, Value, load_dataset

from .metrics import METRICS
from .tasks import Task, get_task

GLUE_DIR_ENV = "POORMAN_GLUE_DIR"  # set it to read GLUE from a local download_glue_data.py folder


def glue_features(task: Task | str) -> Features:
    """The schema nyu-mll/glue uses: strings, then ClassLabel (or float32 score), then idx int32."""
    task = get_task(task)
    feats = {f: Value("string") for f in task.text_fields}
    feats["label"] = Value("float32") if task.is_regression else ClassLabel(names=list(task.label_names))
    feats["idx"] = Value("int32")
    return Features(feats)


def subsample(ds: Dataset, max_examples: int | None, seed: int = 42) -> Dataset:
    """A seeded random subset in the original order (same rows as ds.shuffle(seed).select(range(k)))."""
    if max_examples is None or max_examples >= len(ds):
        return ds
    if max_examples < 1:
        raise ValueError(f"max_examples must be >= 1 or None, got {max_examples}")
    # datasets' shuffle uses exactly this permutation; sorting the picks keeps file order, and
    # depends only on len(ds), so the Hub and TSV sources pick the same rows.
    perm = np.random.default_rng(seed).permutation(len(ds))
    return ds.select(np.sort(perm[:max_examples]))


# ----------------------------------------------------------------------------- GLUE

def _resolve_split(task: Task, split: str) -> str:
    s = {"dev": "validation", "val": "validation", "eval": "validation"}.get(split, split)
    if s == "validation" and s not in task.splits:
        s = task.validation_split  # mnli: "validation" means matched (mismatched for MNLI-mm)
    if s not in task.splits:
        hint = " (GLUE test labels are hidden, so test splits are not offered)" if "test" in s else ""
        raise ValueError(f"{task.name} has splits {', '.join(task.splits)}; got {split!r}{hint}")
    return s


def _expected(task: Task, split: str, glue_dir) -> str:
    lay = task.tsv
    return f"{glue_dir}/{lay.dir}/{lay.file(split)} with {lay.describe()}"


def local_splits(task: Task | str, glue_dir=None) -> tuple[str, ...]:
    """The splits of `task` whose TSV file exists under glue_dir (or $POORMAN_GLUE_DIR)."""
    task = get_task(task)
    root = glue_dir or os.environ.get(GLUE_DIR_ENV)
    if not root or task.tsv is None:
        return ()
    return tuple(s for s in task.splits if (Path(root) / task.tsv.dir / task.tsv.file(s)).is_file())


def _glue_tsv_path(task: Task, split: str, glue_dir: Path, origin: str) -> Path:
    expect = _expected(task, split, glue_dir)
    if not glue_dir.is_dir():
        raise FileNotFoundError(f"GLUE directory {glue_dir} (from {origin}) does not exist; "
                                f"expected the download_glue_data.py layout, e.g. {expect}")
    if not (glue_dir / task.tsv.dir).is_dir():
        raise FileNotFoundError(f"{task.name} is not in {glue_dir}: no folder {glue_dir / task.tsv.dir}. "
                                f"Expected {expect}. Add the files, or pass source='hub' to "
                                f"load nyu-mll/glue (needs internet)")
    path = glue_dir / task.tsv.dir / task.tsv.file(split)
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist; expected {expect}. "
                                f"Add the file, or pass source='hub' (needs internet)")
    return path


def _label_id(task: Task, raw: str, path: Path, line: int):
    lay = task.tsv
    if lay.label_strings is None:
        return float(raw)
    for names in (lay.label_strings, task.label_names):  # the Hub accepts TSV strings or names
        if raw in names:
            return names.index(raw)
    if raw.isdigit() and int(raw) < task.num_labels:  # ...or an integer id
        return int(raw)
    raise ValueError(f"{path} line {line}: unknown label {raw!r} in column {lay.label_column!r}; "
                     f"expected one of {', '.join(lay.label_strings)}")


def read_glue_tsv(path: str | Path, task: Task | str, split: str = "train", glue_dir=None) -> Dataset:
    """Parse one GLUE TSV file into the Hub's schema (see the module docstring for the rules)."""
    task, path = get_task(task), Path(path)
    lay = task.tsv
    wanted = (*lay.text_columns, lay.label_column)
    texts, labels, idx = [[] for _ in task.text_fields], [], []
    # utf-8-sig drops MRPC's byte-order mark; QUOTE_NONE because GLUE text has bare quotes.
    with open(path, encoding="utf-8-sig") as f:
        rows = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        if lay.header:
            header = next(rows, [])
            missing = [c for c in wanted if c not in header]
            if missing:
                raise ValueError(f"{path}: missing column(s) {', '.join(map(str, missing))}; header is "
                                 f"{header}; expected {_expected(task, split, glue_dir or path.parent.parent)}")
            pos = [header.index(c) for c in wanted]
        else:
            pos = list(wanted)
        n = -1
        for row in rows:
            if not row:  # csv.DictReader (used by the Hub's script) skips blank lines uncounted
                continue
            n += 1
            if len(row) <= max(pos):
                if not lay.header:
                    raise ValueError(f"{path} line {rows.line_num}: {len(row)} columns, expected "
                                     f"{lay.describe()}")
                continue  # the Hub drops rows with a missing field
            if row[pos[-1]] == "":
                continue  # ...and rows without a label
            for i, p in enumerate(pos[:-1]):
                texts[i].append(row[p])
            labels.append(_label_id(task, row[pos[-1]], path, rows.line_num))
            idx.append(n)
    columns = dict(zip(task.text_fields, texts)) | {"label": labels, "idx": idx}
    return Dataset.from_dict(columns, features=glue_features(task), split=split)


def load_glue(task: Task | str, split: str, glue_dir: str | Path | None = None,
              max_examples: int | None = None, seed: int = 42, *, source: str | None = None) -> Dataset:
    """One GLUE split as a Dataset with the Hub's columns (text fields, "label", "idx").

    Source: the local TSV folder glue_dir, else $POORMAN_GLUE_DIR, else the Hub (nyu-mll/glue).
    source="hub" or "tsv" forces one. split: "train", "validation" ("dev" works too) and, for
    mnli, "validation_matched" / "validation_mismatched". max_examples: seeded subset, file order.
    """
    task = get_task(task)
    split = _resolve_split(task, split)
    if source not in (None, "hub", "tsv"):
        raise ValueError(f"source must be None, 'hub' or 'tsv', got {source!r}")
    root, origin = (glue_dir, "glue_dir") if glue_dir else (os.environ.get(GLUE_DIR_ENV), GLUE_DIR_ENV)
    if source == "tsv" and not root:
        raise ValueError(f"source='tsv' needs glue_dir=... or ${GLUE_DIR_ENV}")
    if root and source != "hub":
        root = Path(root).expanduser()
        ds = read_glue_tsv(_glue_tsv_path(task, split, root, origin), task, split, root)
    else:
        try:
            ds = load_dataset(task.hub_path, task.hub_config, split=split)
        except Exception as e:  # offline is the usual cause; say how to avoid the Hub
            if hasattr(e, "add_note"):
                e.add_note(f"poorman: could not load {task.hub_path}/{task.hub_config} from the Hub. "
                           f"Offline? Pass glue_dir=<download_glue_data.py folder> or set {GLUE_DIR_ENV}.")
            raise
        ds = ds.select_columns(list(glue_features(task)))
    return subsample(ds, max_examples, seed)
