"""The nine GLUE tasks as data: text fields, labels, metrics, and where the rows live.

Everything the rest of the package needs to know about a task is in one frozen `Task`.
Label ids follow the Hugging Face Hub's `nyu-mll/glue` (e.g. rte: 0=entailment), and
`TsvLayout` says how to read the same rows from the classic `download_glue_data.py` folder.

A task from your own data is a description (own_task.py); tasks.get_task takes either.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass


@dataclass(frozen=True)
class TsvLayout:
    """Where a task lives in a download_glue_data.py folder: <glue_dir>/<dir>/<file>."""

    dir: str                                # folder name, e.g. "SST-2"
    files: tuple[tuple[str, str], ...]      # (split, file name) pairs; tuples keep Task hashable
    text_columns: tuple[str | int, ...]     # one per Task.text_fields; ints when there is no header
    label_column: str | int
    label_strings: tuple[str, ...] | None   # TSV label text for Hub id 0, 1, ...; None = float score
    columns: tuple[str, ...]                # the whole row, only for error messages
    header: bool = True

    def file(self, split: str) -> str:
        return dict(self.files)[split]

    def describe(self) -> str:
        cols = ", ".join(self.columns)
        return f"columns {cols}" if self.header else f"no header row; columns {cols}"


@dataclass(frozen=True)
class Task:
    name: str                         # canonical key ("sst2", "mnli", ...) or a custom name
    text_fields: tuple[str, ...]      # dataset columns fed to the tokenizer, in order
    num_labels: int                   # 1 means regression (stsb)
    label_names: tuple[str, ...]      # names of label ids 0..n-1; () for regression
    metrics: tuple[str, ...]          # keys compute_metrics reports; "score" is their mean
    eval_splits: tuple[str, ...] = ("validation",)  # first one is the default evaluation split
    hub_path: str | None = "nyu-mll/glue"
    hub_config: str | None = None
    tsv: TsvLayout | None = None
    own_spec: str | None = None       # your own data: the canonical description, as sorted JSON

    def __post_init__(self):
        if self.num_labels < 1:
            raise ValueError(f"num_labels must be >= 1, got {self.num_labels}")
        if self.num_labels > 1 and len(self.label_names) != self.num_labels:
            raise ValueError(f"{self.name}: {self.num_labels} labels but names {self.label_names}")

    @property
    def is_regression(self) -> bool:
        return self.num_labels == 1

    @property
    def problem_type(self) -> str:  # the value transformers' config.problem_type expects
        return "regression" if self.is_regression else "single_label_classification"

    @property
    def spec(self) -> str | dict:
        """What a run spec records as its task: the GLUE name, or your data's canonical description."""
        return json.loads(self.own_spec) if self.own_spec else self.name

    @property
    def validation_split(self) -> str:
        return self.eval_splits[0]

    @property
    def splits(self) -> tuple[str, ...]:
        return ("train",) + self.eval_splits

    @property
    def id2label(self) -> dict[int, str]:
        return dict(enumerate(self.label_names)) if self.label_names else {0: "score"}

    @property
    def label2id(self) -> dict[str, int]:
        return {v: k for k, v in self.id2label.items()}

    def texts(self, dataset) -> list:
        """Each example's text, or (text, text) pair, in field order: what a tokenizer takes."""
        f = self.text_fields
        return [tuple(ex[x] for x in f) if len(f) == 2 else ex[f[0]] for ex in dataset]


def _glue(name, text_fields, label_names, metrics, tsv, eval_splits=("validation",)):
    return Task(name=name, text_fields=tuple(text_fields), num_labels=max(1, len(label_names)),
                label_names=tuple(label_names), metrics=tuple(metrics),
                eval_splits=tuple(eval_splits), hub_config=name, tsv=tsv)


def _layout(dir, text_columns, label_column, label_strings, columns, header=True, files=None):
    files = files or (("train", "train.tsv"), ("validation", "dev.tsv"))
    return TsvLayout(dir=dir, files=tuple(files), text_columns=tuple(text_columns),
                     label_column=label_column, label_strings=label_strings,
                     columns=tuple(columns), header=header)


_NLI2 = ("entailment", "not_entailment")
_PAIR_COLUMNS = ("index", "sentence1", "sentence2", "label")

# GLUE's own metric choices (Wang et al., 2019, Table 1); the headline is the mean when two are reported.
TASKS: dict[str, Task] = {t.name: t for t in [
    _glue("cola", ["sentence"], ["unacceptable", "acceptable"], ["matthews_correlation"],
          # CoLA train/dev are the only GLUE files without a header row.
          _layout("CoLA", [3], 1, ("0", "1"),
                  ("source", "label", "original_label", "sentence"), header=False)),
    _glue("sst2", ["sentence"], ["negative", "positive"], ["accuracy"],
          _layout("SST-2", ["sentence"], "label", ("0", "1"), ("sentence", "label"))),
    _glue("mrpc", ["sentence1", "sentence2"], ["not_equivalent", "equivalent"], ["accuracy", "f1"],
          _layout("MRPC", ["#1 String", "#2 String"], "Quality", ("0", "1"),
                  ("Quality", "#1 ID", "#2 ID", "#1 String", "#2 String"))),
    _glue("stsb", ["sentence1", "sentence2"], [], ["pearson", "spearmanr"],
          _layout("STS-B", ["sentence1", "sentence2"], "score", None,
                  ("index", "genre", "filename", "year", "old_index", "source1", "source2",
                   "sentence1", "sentence2", "score"))),
    _glue("qqp", ["question1", "question2"], ["not_duplicate", "duplicate"], ["accuracy", "f1"],
          _layout("QQP", ["question1", "question2"], "is_duplicate", ("0", "1"),
                  ("id", "qid1", "qid2", "question1", "question2", "is_duplicate"))),
    _glue("mnli", ["premise", "hypothesis"], ["entailment", "neutral", "contradiction"], ["accuracy"],
          _layout("MNLI", ["sentence1", "sentence2"], "gold_label",
                  ("entailment", "neutral", "contradiction"),
                  ("index", "promptID", "pairID", "genre", "sentence1_binary_parse",
                   "sentence2_binary_parse", "sentence1_parse", "sentence2_parse", "sentence1",
                   "sentence2", "label1", "...", "gold_label"),
                  files=(("train", "train.tsv"), ("validation_matched", "dev_matched.tsv"),
                         ("validation_mismatched", "dev_mismatched.tsv"))),
          eval_splits=("validation_matched", "validation_mismatched")),
    _glue("qnli", ["question", "sentence"], _NLI2, ["accuracy"],
          _layout("QNLI", ["question", "sentence"], "label", _NLI2,
                  ("index", "question", "sentence", "label"))),
    _glue("rte", ["sentence1", "sentence2"], _NLI2, ["accuracy"],
          _layout("RTE", ["sentence1", "sentence2"], "label", _NLI2, _PAIR_COLUMNS)),
    # WNLI's label order is the reverse of RTE's: 1 means entailment (the TSV stores 0/1).
    _glue("wnli", ["sentence1", "sentence2"], ["not_entailment", "entailment"], ["accuracy"],
          _layout("WNLI", ["sentence1", "sentence2"], "label", ("0", "1"), _PAIR_COLUMNS)),
]}

# MNLI-mm is MNLI evaluated on the mismatched dev set first; same data, same hub config.
_MNLI_MM = dataclasses.replace(TASKS["mnli"], name="mnli-mm",
                               eval_splits=("validation_mismatched", "validation_matched"))

_ALIASES = {"mnlim": "mnli", "mnlimatched": "mnli", "stsbenchmark": "stsb", "qnliv2": "qnli",
            "mnlimm": "mnli-mm", "mnlimismatched": "mnli-mm"}


def _normalise(name: str) -> str:
    key = name.strip().lower()
    for prefix in ("glue/", "glue:", "glue-", "nyu-mll/glue/"):
        key = key.removeprefix(prefix)
    return "".join(c for c in key if c.isalnum())


def glue_task(name: str | Task) -> Task:
    """Look a GLUE task up by any common spelling ("SST-2", "sst2", "STS-B", "MNLI-m", "MNLI-mm")."""
    if isinstance(name, Task):
        return name
    key = _normalise(str(name))
    key = _ALIASES.get(key, key)
    if key == "mnli-mm":
        return _MNLI_MM
    if key not in TASKS:
        raise ValueError(f"unknown task {name!r}; known tasks: {', '.join(TASKS)} "
                         f"(plus the spellings SST-2, STS-B, MNLI-m, MNLI-mm); "
                         f"for your own data give a description: name, train, eval, text, label")
    return TASKS[key]
