"""Where runs are stored (records.py) and read back as one tidy table (frame.py)."""

from .frame import results, score_table
from .records import cached, finished_run_ids, iter_runs, results_dir, run_id, write_run

__all__ = ["results", "score_table", "results_dir", "run_id", "write_run", "iter_runs", "finished_run_ids", "cached"]
