"""Rows in: the GLUE tasks and your own data, where their rows come from, tokenising, and metrics.

Imports nothing from the rest of poorman.experiments (tests/test_layers.py checks it).

    tasks.py      the nine GLUE tasks as data (Task); get_task also builds your own data's
    own_task.py   your own data: a description in, a checked canonical description and a Task out
    own_table.py  reading and checking your own files (CSV, TSV, JSON(L), Parquet, the Hub)
    load.py       the rows of a split, from the Hub or a local TSV folder; the data source; tokenize
    metrics.py    GLUE's metrics, and the constant predictor's
"""

from .load import (GLUE_DIR_ENV, clear_cache, data_source, glue_features, hub_revision, load_glue, load_split,
                   local_splits, read_glue_tsv, reading, subsample, tokenize)

__all__ = ["GLUE_DIR_ENV", "clear_cache", "data_source", "glue_features", "hub_revision", "load_glue",
           "load_split", "local_splits", "read_glue_tsv", "reading", "subsample", "tokenize"]
