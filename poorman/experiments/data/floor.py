"""The constant predictor's score on a profile's dev rows: the floor a run must clear to have learnt."""

from __future__ import annotations

from .load import load_split
from .metrics import constant_metrics
from .tasks import get_task


def dev_constant_metrics(profile, task) -> dict[str, float]:
    """constant_metrics on the dev set the profile evaluates `task` on (the first, for MNLI)."""
    rows = load_split(task, get_task(task).eval_splits[0], glue_dir=profile.resolved_glue_dir(),
                      max_examples=profile.train_for(get_task(task).name)["max_eval"], seed=0)
    return constant_metrics(task, rows["label"])


def constant_scores(profile, tasks=None) -> dict[str, float]:
    """{task: the constant predictor's headline score on its dev set} (dev_constant_metrics)."""
    tasks = tasks or profile.tasks  # your own data's descriptions are keyed by their name
    return {(t if isinstance(t, str) else t["name"]): dev_constant_metrics(profile, t)["score"] for t in tasks}
