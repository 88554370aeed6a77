"""Where runs are stored (records.py) and read back as one tidy table (frame.py)."""

from .frame import mean_score_table, results
from .records import cached, finished_run_ids, iter_runs, results_dir, run_id, write_run

__all__ = ["results", "mean_score_table", "results_dir", "run_id", "write_run", "iter_runs", "finished_run_ids", "cached"]
