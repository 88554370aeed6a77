"""Tables over the run store's DataFrame (poorman.results): scores, retention, seed spread."""



def baseline_scores(df, role="baseline"):
    """Per model and task: mean, std and count of the unpruned baseline (or `role`) over seeds."""
    base = df[df.role == role]
    return base.groupby(["model", "task"]).score.agg(["mean", "std", "count"]).reset_index()


def score_table(df, model=None):
    """GLUE score per strategy x K (rows) and task (columns), plus the mean over tasks.

    The baseline row is the mean over its seeds; pruned rows are single runs (or seed means).
    Scores are in percent, as GLUE reports them.
    """
    d = df if model is None else df[df.model == model]
    d = d[d.role.isin(["baseline", "pruned"])].copy()
    d["strategy"] = d.strategy.where(d.role == "pruned", "none (baseline)")
    table = d.pivot_table(index=["strategy", "k"], columns="task", values="score", aggfunc="mean") * 100
    table["mean"] = table.mean(axis=1)
    return table.sort_index(level=["k", "strategy"]).round(2)


def retention(df, model=None):
    """Each pruned run's score as a percentage of its model's baseline mean on the same task."""
    d = df if model is None else df[df.model == model]
    base = baseline_scores(d).rename(columns={"mean": "baseline"})[["model", "task", "baseline"]]
    pruned = d[d.role == "pruned"].merge(base, on=["model", "task"])
    pruned["retained_pct"] = 100 * pruned.score / pruned.baseline
    pruned["dropped_pct"] = 100 * pruned.k / pruned.original_layers
    return pruned


def retention_summary(df, model=None):
    """Mean retention over tasks per strategy x K."""
    r = retention(df, model)
    return (r.groupby(["strategy", "k"]).retained_pct.mean().unstack("k").round(1)
            .rename(columns=lambda k: f"K={k}"))


def seed_spread(df):
    """Largest minus smallest baseline score over seeds, per task: differences below it are noise."""
    base = df[df.role == "baseline"]
    g = base.groupby(["model", "task"]).score
    return (g.max() - g.min()).rename("seed_range").reset_index()


def best_by_k(df, model=None):
    """For each K, the strategy with the highest mean retention."""
    s = retention(df, model).groupby(["k", "strategy"]).retained_pct.mean().reset_index()
    return s.loc[s.groupby("k").retained_pct.idxmax()].reset_index(drop=True)


def failed_runs(df, floor, margin=0.01):
    """Runs within `margin` of a constant predictor's score on their task ({task: score}, see
    poorman.experiments.metrics.constant_scores): their fine-tuning never took off."""
    return df[df.score <= df.task.map(floor) + margin]


def headroom(df, floor, role="baseline"):
    """Per model and task: the baseline's (or `role`'s) mean score, the constant predictor's, and the
    gap in points. Where the gap is small, the model barely learnt the task: its retention there is
    mostly noise."""
    base = baseline_scores(df, role)
    base["constant"] = base.task.map(floor)
    base["headroom (points)"] = 100 * (base["mean"] - base.constant)
    return base[["model", "task", "mean", "constant", "headroom (points)"]]


__all__ = ["headroom", "baseline_scores", "score_table", "retention", "retention_summary", "seed_spread",
           "best_by_k", "failed_runs"]
