"""Where figures and tables are drawn: tables (tables.py) and figures (figures.py), in percent, with intervals."""

from .figures import (contribution_plot, frontier_plot, kept_plot, layer_profile_plot, robustness_plot,
                      strategy_diagram, task_grid)
from .tables import (baseline_table, failed_runs, failed_table, interval, kept_by_task, kept_table, score_table, show,
                     size_table, variant_points)
from .tradeoff import tradeoff_plot

__all__ = ["strategy_diagram", "kept_plot", "task_grid", "robustness_plot", "layer_profile_plot",
           "frontier_plot", "contribution_plot", "interval", "show", "score_table", "kept_table",
           "baseline_table", "failed_runs", "failed_table", "kept_by_task", "variant_points", "size_table", "tradeoff_plot"]
