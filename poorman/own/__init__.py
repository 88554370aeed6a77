"""Prune, fine-tune and compare on your own labelled data: `poorman finetune` and `poorman compare`.

Sits above the book: the comparison's table can be drawn with the book's plots.

    from poorman.own import compare, finetune, sample_data
    api.py       finetune, compare, the recipe, the sample data
    compare.py   the comparison table (score intervals, size, latency, frontier)
    card.py      the model card saved with a fine-tuned checkpoint
    commands.py  the CLI verbs finetune and compare
"""

import importlib

# Loaded on first use: `poorman drop` imports own.commands for its parser, and must not need the
# experiment stack (pandas, datasets), which the surgery-only environment (.ci/surgery_tf4.sh) lacks.
_HOMES = {"compare": "api", "default_store": "api", "finetune": "api", "own_task": "api", "recipe": "api",
          "sample_data": "api", "compare_table": "compare", "format_table": "compare"}

__all__ = list(_HOMES)


def __getattr__(name):
    """Bind every public name at once: `compare` is also a submodule's name, and importing that
    submodule sets the package's `compare` to the module; the function must win, as it did."""
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    homes = {home: importlib.import_module(f".{home}", __name__) for home in set(_HOMES.values())}
    globals().update({n: getattr(homes[home], n) for n, home in _HOMES.items()})
    return globals()[name]
