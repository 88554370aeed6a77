"""Prune, fine-tune and compare on your own labelled data: `poorman finetune` and `poorman compare`.

Sits above the book: the comparison's table can be drawn with the book's plots.

    from poorman.own import compare, finetune, sample_data
    api.py       finetune, compare, the recipe, the sample data
    compare.py   the comparison table (score intervals, size, latency, frontier)
    card.py      the model card saved with a fine-tuned checkpoint
    commands.py  the CLI verbs finetune and compare
"""

from .api import compare, default_store, finetune, own_task, recipe, sample_data
from .compare import compare_table, format_table

__all__ = ["compare", "finetune", "sample_data", "own_task", "default_store", "recipe", "compare_table",
           "format_table"]
