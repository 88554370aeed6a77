"""Where figures are drawn: tables (tables.py) and seaborn figures (figures.py) over poorman.results()."""

from .figures import (contribution_plot, retention_plot, score_vs_latency_plot, similarity_plot,
                      strategy_diagram, task_grid_plot)
from .tables import (baseline_scores, best_by_k, failed_runs, headroom, retention, retention_summary, score_table,
                     seed_spread)
from .tradeoff import tradeoff_plot

__all__ = ["strategy_diagram", "retention_plot", "task_grid_plot", "contribution_plot", "similarity_plot",
           "score_vs_latency_plot", "tradeoff_plot", "baseline_scores", "best_by_k", "retention", "retention_summary",
           "score_table", "seed_spread", "failed_runs", "headroom"]
