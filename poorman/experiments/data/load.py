"""Rows in, token ids out: GLUE from the Hub or a local TSV folder, or your own data (own_task.py).

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
import functools
import os
from collections import OrderedDict
from pathlib import Path

import numpy as np
from datasets import ClassLabel, Dataset, Features, Value, load_dataset

from . import own_table
from .own_task import load_own_split
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
    return f"{glue_dir}/{task.tsv.dir}/{task.tsv.file(split)} with {task.tsv.describe()}"


def local_splits(task: Task | str, glue_dir=None) -> tuple[str, ...]:
    """The splits of `task` whose TSV file exists under glue_dir (or $POORMAN_GLUE_DIR)."""
    task, root = get_task(task), glue_dir or os.environ.get(GLUE_DIR_ENV)
    return tuple(s for s in task.splits if task.tsv and root
                 and (Path(root) / task.tsv.dir / task.tsv.file(s)).is_file())


def _named_by(glue_dir: Path) -> str:
    """Which setting named a local GLUE folder, for error messages."""
    env = os.environ.get(GLUE_DIR_ENV)
    return f"${GLUE_DIR_ENV}" if env and Path(env).expanduser().resolve() == glue_dir.resolve() else "glue_dir"


def _glue_tsv_path(task: Task, split: str, glue_dir: Path) -> Path:
    expect, named_by = _expected(task, split, glue_dir), _named_by(glue_dir)
    if not glue_dir.is_dir():
        raise FileNotFoundError(f"GLUE directory {glue_dir} (named by {named_by}) does not exist: point "
                                f"${GLUE_DIR_ENV} (or --glue-dir) at a folder in the download_glue_data.py "
                                f"layout, e.g. {expect}, or leave it unset to read {task.hub_path} from the Hub")
    path = glue_dir / task.tsv.dir / task.tsv.file(split)
    hint = (f"point ${GLUE_DIR_ENV} (or --glue-dir) at a folder that has it, "
            f"or pass source='hub' (needs internet)")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"{task.name} is not in the GLUE directory {glue_dir} (named by {named_by}; "
                                f"no folder {path.parent}): add {expect}, {hint}")
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist (GLUE directory named by {named_by}): add {expect}, {hint}")
    return path


def _label_id(task: Task, raw: str, path: Path, line: int):
    lay = task.tsv
    if lay.label_strings is None:
        return float(raw)
    for names in (lay.label_strings, task.label_names, [str(i) for i in range(task.num_labels)]):
        if raw in names:  # the Hub's script accepts the TSV's strings, class names or integer ids
            return names.index(raw)
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
        header = next(rows, []) if lay.header else list(wanted)
        missing = [c for c in wanted if c not in header]
        if missing:
            raise ValueError(f"{path}: missing column(s) {', '.join(missing)}; header is {header}; "
                             f"expected {_expected(task, split, glue_dir or path.parent.parent)}")
        pos = [header.index(c) for c in wanted] if lay.header else list(wanted)
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
    root = glue_dir or os.environ.get(GLUE_DIR_ENV)
    if source == "tsv" and not root:
        raise ValueError(f"source='tsv' needs glue_dir=... or ${GLUE_DIR_ENV}")
    if root and source != "hub":
        root = Path(root).expanduser()
        ds = read_glue_tsv(_glue_tsv_path(task, split, root), task, split, root)
    else:
        try:
            ds = load_dataset(task.hub_path, task.hub_config, split=split)
        except Exception as e:  # offline is the usual cause; say how to avoid the Hub
            if hasattr(e, "add_note"):
                e.add_note(f"poorman: could not load {task.hub_path}/{task.hub_config} from the Hub. "
                           f"Offline? Set ${GLUE_DIR_ENV} (or --glue-dir, or glue_dir=) to a local GLUE "
                           f"folder in the download_glue_data.py layout.")
            raise
        ds = ds.select_columns(list(glue_features(task)))
    return subsample(ds, max_examples, seed)


@functools.lru_cache(maxsize=32)
def hub_revision(repo: str, config: str | None = None) -> str | None:
    """The commit of a Hub dataset that a load reads: the Hub's answer online; offline, the one
    the local caches hold (the Hub cache's refs/main, else the only prepared Arrow copy); None
    when neither says."""
    from huggingface_hub import HfApi, constants
    if not constants.HF_HUB_OFFLINE:
        try:
            return HfApi().dataset_info(repo).sha
        except Exception:  # unreachable: fall back on what the caches hold
            pass
    ref = Path(constants.HF_HUB_CACHE) / f"datasets--{repo.replace('/', '--')}" / "refs" / "main"
    if ref.is_file():
        return ref.read_text().strip()
    from datasets import config as datasets_config
    prepared = Path(datasets_config.HF_DATASETS_CACHE) / repo.replace("/", "___") / (config or "default")
    commits = {p.name for p in prepared.glob("*/*") if p.is_dir()}
    return commits.pop() if len(commits) == 1 else None


def data_source(task: Task | str | dict, glue_dir: str | Path | None) -> dict | None:
    """Where a task's rows come from, as run ids and cache keys record it: from the local GLUE
    folder glue_dir, the folder and each file's sha256 (ids hash the bytes, not the path:
    spec.run_id); from the Hub (glue_dir None), the dataset, config and revision. None for your
    own data, whose description names its files' sha256 already."""
    task = get_task(task)
    if task.own_spec:
        return None
    if glue_dir:
        root = Path(glue_dir).expanduser().resolve()
        files = {split: own_table.sha256(_glue_tsv_path(task, split, root)) for split in task.splits}
        return {"glue": "tsv", "path": str(root), "sha256": dict(sorted(files.items()))}
    return {"glue": "hub", "hub": task.hub_path, "config": task.hub_config,
            "revision": hub_revision(task.hub_path, task.hub_config)}


def reading(source: dict | None) -> dict:
    """load_split's arguments that read the rows a data source names (none for your own data)."""
    if source is None:
        return {}
    if source["glue"] == "tsv":
        return {"glue_dir": Path(source["path"]), "source": "tsv"}
    return {"glue_dir": None, "source": "hub"}


def load_split(task: Task | str | dict, split: str, *, glue_dir=None, max_examples: int | None = None,
               seed: int = 42, source: str | None = None) -> Dataset:
    """One split of any task the engine runs: the one place fine-tuning and calibration get rows.

    A GLUE task, or one described by your own data ("validation" is its eval source)."""
    task = get_task(task)
    if task.own_spec:
        return subsample(load_own_split(task, _resolve_split(task, split)), max_examples, seed)
    return load_glue(task, split, glue_dir=glue_dir, max_examples=max_examples, seed=seed, source=source)


# ----------------------------------------------------------------------------- tokenising

_TOKENIZED: OrderedDict = OrderedDict()  # (dataset fingerprint, tokenizer, max_length, fields) -> Dataset
_CACHE_SIZE = 16


def clear_cache() -> None:
    _TOKENIZED.clear()


def tokenize(dataset: Dataset, tokenizer, task: Task | str, max_length: int = 128) -> Dataset:
    """Token ids once per (data, tokenizer, max_length): truncated, NOT padded (the collator pads).

    Keeps only the tokenizer's model inputs and "labels" (renamed from "label"), so the result
    feeds Trainer with DataCollatorWithPadding, or model(**batch) in a plain loop.
    """
    task = get_task(task)
    missing = [f for f in task.text_fields if f not in dataset.column_names]
    if missing:
        raise ValueError(f"dataset has no column(s) {missing} for task {task.name}; "
                         f"columns are {dataset.column_names}")
    # datasets fingerprints in-memory tables by content, so a reloaded identical split hits too;
    # the vocabulary tells apart tokenizers without a name (tiny test ones). ~30 ms for BERT's.
    key = (getattr(dataset, "_fingerprint", id(dataset)), type(tokenizer).__name__,
           getattr(tokenizer, "name_or_path", ""), hash(frozenset(tokenizer.get_vocab().items())),
           max_length, task.text_fields)
    if key in _TOKENIZED:
        _TOKENIZED.move_to_end(key)
        return _TOKENIZED[key].with_format(None)  # a fresh view: set_format on it can't touch the cache

    def encode(batch):
        return tokenizer(*[batch[f] for f in task.text_fields], truncation=True, max_length=max_length)

    out = dataset.map(encode, batched=True, desc=f"tokenize {task.name}",
                      remove_columns=[c for c in dataset.column_names if c != "label"])
    out = out.remove_columns([c for c in out.column_names if c not in (*tokenizer.model_input_names, "label")])
    if "label" in out.column_names:
        out = out.rename_column("label", "labels")
    _TOKENIZED[key] = out
    if len(_TOKENIZED) > _CACHE_SIZE:
        _TOKENIZED.popitem(last=False)
    return out.with_format(None)
