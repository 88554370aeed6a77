"""Read one source of your own data and check its cells, naming rows as the user sees them.

A source is {"path": file} (CSV, TSV, JSON lines or a JSON array, Parquet) or
{"hub": dataset id, "config": name or None, "split": name}. Rows are numbered the way the user
finds them: a CSV/TSV row as a spreadsheet shows it (the header is row 1, the first example
row 2), a JSON lines file by line, a JSON array by record, Parquet and Hub rows from 1.
Blank lines are skipped but keep their number, so later rows are still named right.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

FORMATS = {".csv": "CSV", ".tsv": "TSV", ".jsonl": "JSON lines", ".json": "JSON", ".parquet": "Parquet"}


@dataclass
class Table:
    """The rows of one source, and how a message names a row of it."""

    frame: pd.DataFrame  # examples, in file order, blank lines dropped
    numbers: list        # each row's number as the user sees it
    where: str           # the file, or "hub id (config) [split]"
    unit: str = "row"    # "row", "line" or "record"
    note: str = ""       # how rows are counted, e.g. " (the header is row 1)"
    classes: dict = field(default_factory=dict)  # {column: names} of a Hub dataset's ClassLabels

    def row(self, i: int) -> str:
        return f"{self.unit} {self.numbers[i]}{self.note}"

    def span(self) -> str:
        """All the rows, e.g. "rows 2 to 41 (the header is row 1)"."""
        return f"{self.unit}s {self.numbers[0]} to {self.numbers[-1]}{self.note}"

    def count(self, positions: list) -> str:
        """How many bad rows there are, when more than one: " (3 such rows: 2, 7, 9)"."""
        if len(positions) < 2:
            return ""
        shown = ", ".join(str(self.numbers[i]) for i in positions[:8]) + (", ..." if len(positions) > 8 else "")
        return f" ({len(positions)} such {self.unit}s: {shown})"


@lru_cache(maxsize=64)
def _sha256(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256(path) -> str:
    """The hex sha256 of a file's bytes (cached while its size and mtime stay the same)."""
    st = Path(path).stat()
    return _sha256(str(path), st.st_size, st.st_mtime_ns)


def local_source(value, base: Path) -> dict:
    """A file named in a description -> {"path": absolute path, "sha256": its contents' hash}."""
    path = Path(str(value)).expanduser()
    path = path if path.is_absolute() else base / path
    if path.suffix.lower() not in FORMATS:
        raise ValueError(f"{path}: unknown format {path.suffix or '(no suffix)'!r}; give a .csv, .tsv, "
                         f".jsonl (or .json), .parquet file, or a Hub dataset {{hub: id, config: ..., split: ...}}")
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist (a {', '.join(FORMATS.values())} file was expected)")
    return {"path": str(path.resolve()), "sha256": sha256(path)}


def read_source(source: dict, columns=()) -> Table:
    """The rows of a source; a local file must still have the bytes its sha256 names.
    columns: the ones the caller needs, named in the message about an empty file."""
    if "hub" in source:
        return _read_hub(source)
    path = Path(source["path"])
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist")
    if source.get("sha256") and sha256(path) != source["sha256"]:
        raise ValueError(f"{path} changed since this task was described (sha256 {source['sha256'][:12]}..., "
                         f"now {sha256(path)[:12]}...); describe the task again to run on the new contents")
    if path.stat().st_size == 0:
        named = f" {', '.join(map(repr, columns))}" if columns else ""
        raise ValueError(f"{path}: the file is empty (0 bytes); expected a header row naming the columns"
                         f"{named} (row 1), then one example per row")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv"):
        table = _read_delimited(path, "\t" if suffix == ".tsv" else ",")
    elif suffix == ".parquet":
        frame = pd.read_parquet(path)
        table = Table(frame, list(range(1, len(frame) + 1)), str(path))
    else:
        table = _read_json(path)
    if table.frame.empty:
        what = f"only a header row (row 1: {', '.join(map(str, table.frame.columns))})" \
            if suffix in (".csv", ".tsv") else "no rows"
        raise ValueError(f"{path}: {what}, no examples")
    return table


def _records(path: Path, sep: str):
    """The file's rows as csv reads them: a quoted line break stays inside its row, a blank line
    is an empty row (so rows are numbered as pandas and a spreadsheet number them)."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        yield from csv.reader(f, delimiter=sep, quoting=csv.QUOTE_NONE if sep == "\t" else csv.QUOTE_MINIMAL)


def _check_fields(path: Path, sep: str) -> None:
    """A header naming a column twice, or a row with more fields than the header names, is an
    error: pandas would rename the second column `name.1`, or make the first field the index and
    shift every column by one (the labels read as text)."""
    rows = _records(path, sep)
    header = next(rows, [])
    twice = sorted({h for h in header if header.count(h) > 1})
    if twice:
        raise ValueError(f"{path}, row 1 (the header): column name(s) {', '.join(map(repr, twice))} appear "
                         f"more than once; give each column its own name")
    for n, fields in enumerate(rows, 2):
        if len(fields) > len(header):
            sep_name = "comma" if sep == "," else "tab"
            raise ValueError(f"{path}, row {n} (the header is row 1): {len(fields)} fields, but the header names "
                             f"{len(header)} ({', '.join(map(repr, header))}); quote a field that contains a "
                             f"{sep_name}, or name every column in the header")


def _read_delimited(path: Path, sep: str) -> Table:
    kind = FORMATS[path.suffix.lower()]
    try:  # only an empty cell is missing: "NA" or "null" in a review is text, not a gap
        _check_fields(path, sep)
        frame = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, na_values=[""],
                            skip_blank_lines=False, encoding="utf-8-sig",
                            # TSV unquoted, like GLUE: a sentence may start with a bare quote
                            quoting=csv.QUOTE_NONE if sep == "\t" else csv.QUOTE_MINIMAL)
    except pd.errors.EmptyDataError:
        raise ValueError(f"{path}: no header row (the file holds only blank lines); expected a header "
                         f"naming the columns (row 1), then one example per row") from None
    except (pd.errors.ParserError, csv.Error) as err:
        hint = "quote fields that contain commas or line breaks" if sep == "," else "one tab between fields"
        raise ValueError(f"{path}: not a well-formed {kind} file ({err}); {hint}") from None
    except UnicodeDecodeError as err:
        raise ValueError(f"{path}: not UTF-8 text ({err}); save it as UTF-8") from None
    filled = ~frame.isna().all(axis=1)  # a blank line is skipped, and still counted
    numbers = [i + 2 for i in range(len(frame)) if filled.iloc[i]]
    return Table(frame[filled].reset_index(drop=True), numbers, str(path), note=" (the header is row 1)")


def _read_json(path: Path) -> Table:
    text = path.read_text(encoding="utf-8-sig")
    if text.lstrip().startswith("["):  # a JSON array of records
        try:
            records = json.loads(text)
        except json.JSONDecodeError as err:
            raise ValueError(f"{path}: not valid JSON ({err})") from None
        numbers, unit = list(range(1, len(records) + 1)), "record"
    else:  # JSON lines: one record a line
        records, numbers, unit = [], [], "line"
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as err:
                raise ValueError(f"{path} line {n}: not valid JSON ({err.msg})") from None
            numbers.append(n)
    for n, rec in zip(numbers, records):
        if not isinstance(rec, dict):
            raise ValueError(f"{path} {unit} {n}: expected an object of column: value, got {rec!r:.60}")
    return Table(pd.DataFrame.from_records(records), numbers, str(path), unit)


def _read_hub(source: dict) -> Table:
    from datasets import ClassLabel, load_dataset
    ds = load_dataset(source["hub"], source.get("config"), split=source["split"])
    frame, classes = ds.to_pandas(), {}
    for column, feature in ds.features.items():
        if isinstance(feature, ClassLabel):  # keep the dataset's own names; -1 means unlabelled
            frame[column] = [feature.int2str(int(v)) if v >= 0 else None for v in frame[column]]
            classes[column] = list(feature.names)
    where = source["hub"] + (f" ({source['config']})" if source.get("config") else "") + f" [{source['split']}]"
    if frame.empty:
        raise ValueError(f"{where}: no rows")
    return Table(frame, list(range(1, len(frame) + 1)), where, classes=classes)


def nested(value) -> bool:
    """A list, array or object in a cell (Parquet and JSON hold them): neither a text nor a label."""
    return isinstance(value, (list, tuple, dict, np.ndarray))


def is_blank(value) -> bool:
    if value is None or value is pd.NA:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return isinstance(value, str) and not value.strip()


def check_columns(table: Table, text: list, label: str | None) -> None:
    columns = [str(c) for c in table.frame.columns]
    label_column = [("label", label)] if label is not None else []   # None: texts only
    for role, column in [("text", c) for c in text] + label_column:
        if column not in columns:
            raise ValueError(f"{table.where}: no {role} column {column!r}; its columns are "
                             f"{', '.join(map(repr, columns))}")


def refuse_rows(table: Table, column: str, values: list, is_bad, what, fix: str = "") -> None:
    """Raises, naming the first row whose value is_bad() and how many more there are:
    "<where>, column 'c', row N: <what><count><fix>". what: text, or a function of the bad value."""
    bad = [i for i, v in enumerate(values) if is_bad(v)]
    if bad:
        what = what(values[bad[0]]) if callable(what) else what
        raise ValueError(f"{table.where}, column {column!r}, {table.row(bad[0])}: {what}{table.count(bad)}{fix}")


def texts(table: Table, column: str) -> list:
    """The column's texts, newlines kept; a missing or empty one is an error that names its row."""
    values = list(table.frame[column])
    refuse_rows(table, column, values, is_blank, "empty text", "; fill it in or delete the row")
    refuse_rows(table, column, values, nested, "a list or object, not text")
    return [v if isinstance(v, str) else str(v) for v in values]


def column_texts(path, columns: list, n: int | None = None) -> list:
    """Texts (or pairs, for two columns) from columns of a CSV/TSV/JSON lines/Parquet file, newlines kept."""
    table = read_source(local_source(path, Path.cwd()), columns)
    check_columns(table, columns, None)
    values = [texts(table, c)[:n] for c in columns]
    return list(zip(*values)) if len(values) == 2 else values[0]


MISSING = {"nan", "n/a", "na", "null", "-"}  # label text that means "no label here"


def labels(table: Table, column: str) -> list:
    """The column's raw labels; a missing, empty or nested one is an error that names its row."""
    values = list(table.frame[column])
    fix = "; fill it in or delete the row"
    refuse_rows(table, column, values, is_blank, "empty label", fix)
    refuse_rows(table, column, values, lambda v: isinstance(v, str) and v.strip().lower() in MISSING,
                lambda v: f"label {v!r} marks a missing value", fix)
    refuse_rows(table, column, values, nested, "a list or object, not a label", "; a label is one class name or number")
    return values
