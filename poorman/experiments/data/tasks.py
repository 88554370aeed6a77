"""Any task the engine runs: a GLUE task by name (glue_tasks.py) or your own data by its
description (own_task.py), as one frozen Task.

`get_task` returns a Task whose `spec` is what a run spec records: the GLUE name, or your data's
canonical description with each local file's sha256.
"""

from __future__ import annotations

from .glue_tasks import TASKS, Task, TsvLayout, glue_task
from .own_task import task_from_description

__all__ = ["Task", "TsvLayout", "TASKS", "get_task", "task_name"]


def get_task(name: str | dict | Task) -> Task:
    """Look a task up by any common spelling ("SST-2", "sst2", "STS-B", "MNLI-m", "MNLI-mm"), or
    build one from a description of your own data (a dict, see own_task.describe)."""
    if isinstance(name, dict):
        return task_from_description(name)  # reads the files: only for your own data
    return glue_task(name)


def task_name(task: str | dict | Task) -> str:
    """The display name of a run spec's task, without reading any file."""
    if isinstance(task, dict):
        return task["name"]
    return glue_task(task).name
