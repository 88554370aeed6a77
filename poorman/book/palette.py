"""One look for every figure: a colour per strategy (the same in every chapter), the theme, the size.

Figures are drawn FIGURE_WIDTH inches wide at DPI, wider than the book's text column in pixels,
so the browser scales them down to exactly the column's width, never up. The theme is applied
only while a figure is drawn (`with palette.style():`), so importing poorman, or `poorman
compare` drawing its plot, leaves the caller's matplotlib settings as they were; a chapter's
set-up (`chapter.setup`) turns it on for the whole notebook with `use()`.
"""

import contextlib
import functools
import zlib

import matplotlib as mpl
import seaborn as sns

# seaborn's colour-blind palette, fixed per strategy so that a colour means one strategy everywhere.
STRATEGY_COLOURS = {
    "top": "#0173b2", "bottom": "#d55e00", "alternate-even": "#029e73", "alternate-odd": "#de8f05",
    "symmetric": "#cc78bc", "contribution": "#ca9161", "angular": "#56b4e9",
    "param-aggregation": "#66a61e", "param-variance": "#4b2991",
}
BASELINE_COLOUR = "#000000"     # the full, unpruned model
REFERENCE_COLOUR = "#7f7f7f"    # the distilled reference model
CONSTANT_COLOUR = "#b0b0b0"     # the constant predictor
MODEL_COLOURS = ["#0173b2", "#d55e00", "#029e73", "#cc78bc", "#ca9161", "#de8f05"]  # per model, in order
TASK_COLOURS = {   # fixed per GLUE task, so that a task keeps its colour from figure to figure
    "cola": "#949494", "sst2": "#0173b2", "mrpc": "#de8f05", "stsb": "#029e73", "qqp": "#d55e00",
    "mnli": "#cc78bc", "qnli": "#ca9161", "rte": "#56b4e9", "wnli": "#ece133",
}
FIGURE_WIDTH = 8.2   # inches: 902 px, wider than the text column (688 px in a 1280 px window)
DPI = 110


def strategy_colour(strategy):
    return STRATEGY_COLOURS.get(strategy, REFERENCE_COLOUR)


def task_colour(task):
    """A task's colour; a task of your own gets one from its name, the same in every figure."""
    if task in TASK_COLOURS:
        return TASK_COLOURS[task]
    spare = list(TASK_COLOURS.values())
    return spare[zlib.crc32(str(task).encode()) % len(spare)]


def ordered(strategies):
    """Strategies in the palette's order (the paper's, then angular, then parameter-based), unknown ones last."""
    order = list(STRATEGY_COLOURS)
    return sorted(strategies, key=lambda s: (order.index(s) if s in order else len(order), s))


def theme():
    """The book's matplotlib settings: white grid, readable fonts at the column's width, tight PNGs.
    Built from seaborn's dictionaries, never by setting seaborn's theme (that would be global)."""
    return {**sns.axes_style("whitegrid"), **sns.plotting_context("notebook", font_scale=1.15),
            "axes.prop_cycle": mpl.cycler(color=list(STRATEGY_COLOURS.values())),
            "figure.dpi": DPI, "savefig.dpi": DPI, "savefig.bbox": "tight",
            "legend.frameon": False, "axes.titlesize": "medium"}


@contextlib.contextmanager
def style():
    """Draw in the book's theme; the caller's settings come back afterwards. Only the theme's own
    settings are put back: mpl.rc_context would also restore `interactive` as it was before pyplot
    chose its backend, and a notebook whose first figure is drawn here would show no other figure."""
    settings = theme()
    saved = {key: mpl.rcParams[key] for key in settings}
    mpl.rcParams.update(settings)
    try:
        yield
    finally:
        mpl.rcParams.update(saved)


def styled(draw):
    """A figure function that draws in the book's look (style()), leaving the caller's matplotlib alone."""
    @functools.wraps(draw)
    def drawn(*args, **kwargs):
        with style():
            return draw(*args, **kwargs)
    return drawn


def use():
    """Set the book's theme for the rest of the session: a notebook's explicit choice, never an import's."""
    mpl.rcParams.update(theme())
