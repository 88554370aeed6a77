"""A sweep: plan a profile's grid (grid.py), then train each model once and write every record
(schedule.py).

    cli -> sweep.grid.sweep -> run.planning -> sweep.schedule -> run.finetune -> store.records
"""

from .grid import check_models, expand_grid, narrow, parse_shard, plan, sweep

__all__ = ["sweep", "expand_grid", "plan", "parse_shard", "narrow", "check_models"]
