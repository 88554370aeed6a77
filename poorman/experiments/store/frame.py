"""The run store as a tidy pandas DataFrame: one row per run, flat columns."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..data.tasks import task_name
from .records import iter_runs, results_dir


def _row(rec):
    cfg, m = rec["config"], rec["metrics"]
    row = {"run_id": rec["run_id"], "profile": cfg["profile"], "model": cfg["model"],
           "role": cfg["role"], "strategy": cfg["strategy"], "k": cfg["k"], "task": task_name(cfg["task"]),
           "seed": cfg["seed"], "num_layers": rec["num_layers"], "original_layers": rec["original_layers"],
           "dropped": tuple(rec["dropped"]), "score": m["score"]}
    row.update({f"metric_{k}": v for k, v in m.items() if k != "score"})
    row.update({f"params_{k}": v for k, v in rec["params"].items()})
    row.update({"train_seconds": rec["timing"]["train_seconds"],
                "train_examples_per_s": rec["timing"]["train_examples_per_s"],
                "eval_seconds": rec["timing"]["eval_seconds"],
                "latency_ms": rec.get("latency", {}).get("median_ms"),
                "checkpoint_bytes": rec.get("checkpoint_bytes"),
                "finished_at": rec["env"]["date"], "precision": _precision(rec),
                "same_model_as": rec.get("same_model_as")})  # set when another run trained this model
    return row


def _precision(rec):
    """What the run trained in: env.precision, or for records written before precision was chosen by
    the hardware, their train.bf16 switch."""
    legacy = (rec["config"].get("train") or {}).get("bf16")
    return rec["env"].get("precision") or ("bf16" if legacy else "fp32")


def results(profile: str = "cpu", store_dir: str | Path | None = None) -> pd.DataFrame:
    """All finished runs of a profile. Corrupt or foreign files are reported and skipped."""
    store_dir = store_dir or results_dir(profile)
    rows = []
    for rec in iter_runs(store_dir):
        try:
            rows.append(_row(rec))
        except (KeyError, TypeError) as err:
            import warnings
            warnings.warn(f"skipping malformed record {rec.get('run_id')}: missing {err}")
    return pd.DataFrame(rows)


def metric_names(df, task):
    """The metrics the task's records report, e.g. ['accuracy'] or ['accuracy', 'f1']."""
    rows = df[df["task"] == task]
    return sorted(c[len("metric_"):] for c in df.columns if c.startswith("metric_") and rows[c].notna().any())


def mean_score_table(df):
    """Mean score by model, strategy and K (rows) and task (columns, each naming its metric; with
    several metrics the score is their mean), and the mean over tasks."""
    table = df.pivot_table(index=["model", "strategy", "k"], columns="task", values="score", aggfunc="mean")
    table["mean"] = table.mean(axis=1)
    names = {t: f"{t} {'/'.join(metric_names(df, t)) or 'score'}" for t in table.columns if t != "mean"}
    table.columns.name = None
    return table.rename(columns=names)
