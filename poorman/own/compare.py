"""The comparison table: one row per variant (the full model, each strategy x K), over seeds.

Score is the mean over seeds with a 95% t-interval (none from a single seed). Latency depends on
how many layers remain, not on which, so each variant gets its depth's latency, measured side by
side (speed.variant_table: one model per depth, timed round-robin in one process, so the
machine's load hits them alike); variants of equal depth are then told apart by score alone.
Without those measurements, the median of the runs' own latencies, each timed after its training,
stands in. A variant is on the frontier
when no other has a score at least as high and a latency at least as low (one of them strictly).
"""

import numpy as np
import pandas as pd

from ..book.stats import mean_interval, pareto_frontier
from ..experiments.data.metrics import learning_note
from ..experiments.store import results


def _variant(row):
    if row.role == "baseline":
        return "full"
    return f"{row.strategy}-{row.k}"


def compare_table(store_dir, run_ids, latency_by_depth=None):
    """The table of the runs `run_ids` in the store (see the module docstring).
    latency_by_depth: {number of layers: ms}, measured side by side."""
    df = results(store_dir=store_dir)
    if df.empty or not set(run_ids) & set(df.run_id):
        raise ValueError(f"no runs of this comparison in {store_dir}")
    df = df[df.run_id.isin(run_ids)].copy()
    df["variant"] = df.apply(_variant, axis=1)
    depth_latency = df.groupby("num_layers").latency_ms.median() if latency_by_depth is None else latency_by_depth
    metric_cols = [c for c in df.columns if c.startswith("metric_")]
    rows = []
    for variant, runs in df.groupby("variant", sort=False):
        first = runs.iloc[0]
        _, low, high, _ = mean_interval(runs.score.to_numpy())
        rows.append({"variant": variant, "strategy": first.strategy if variant != "full" else "none",
                     "k": int(first.k), "layers": f"{first.num_layers}/{first.original_layers}",
                     "dropped": " ".join(str(i + 1) for i in first.dropped) or "-",
                     "score": runs.score.mean(), "ci_low": low, "ci_high": high, "seeds": len(runs),
                     **{c[len("metric_"):]: runs[c].mean() for c in metric_cols},
                     "params_m": first.params_total / 1e6, "latency_ms": depth_latency[first.num_layers]})
    table = pd.DataFrame(rows).sort_values(["k", "strategy"]).reset_index(drop=True)  # full (k=0) first
    table.attrs["latency_side_by_side"] = latency_by_depth is not None
    full = table.latency_ms[table.variant == "full"]
    table["speedup"] = (full.iloc[0] / table.latency_ms) if len(full) else np.nan
    table["frontier"] = pareto_frontier(table.score, table.latency_ms)
    return table


def format_table(table):
    """The table as text for a terminal: frontier variants marked with *."""
    one_seed = (table.seeds < 2).all()
    lines = [f"{'':2s}{'variant':18s} {'layers':>6s} {'dropped':>10s} {'score':>7s} "
             f"{'95% interval':>17s} {'params':>8s} {'latency':>10s} {'speed-up':>8s}"]
    for row in table.itertuples():
        ci = "-" if np.isnan(row.ci_low) else f"[{row.ci_low:.4f}, {row.ci_high:.4f}]"
        lines.append(f"{'*' if row.frontier else ' ':2s}{row.variant:18s} {row.layers:>6s} {row.dropped:>10s} "
                     f"{row.score:7.4f} {ci:>17s} {row.params_m:7.2f}M {row.latency_ms:7.1f} ms "
                     f"{row.speedup:7.2f}x")
    lines.append("* on the score/latency frontier: no other variant is both as good and as fast.")
    if one_seed:
        lines.append("One seed: no interval, and the differences between variants are not tested: "
                     "run with --seeds 3 for 95% t-intervals over seeds.")
    else:
        lines.append(f"score: mean over {int(table.seeds.max())} seeds; interval: 95% t-interval over seeds.")
    lat = table.attrs.get("latency") or {}
    batch = f" of {lat['batch_size']} x {lat['seq_len']} tokens" if lat else ""
    how = "timed side by side, one model per depth" if table.attrs.get("latency_side_by_side") \
        else "the median over the runs of that depth, each timed after its training"
    lines.append(f"latency: median forward time of a batch{batch}, per depth: {how}.")
    return "\n".join(lines + _learning_lines(table))


def _learning_lines(table):
    """The constant predictor's score, and the variants not shown better than it
    (metrics.learning_note on each variant's mean metrics)."""
    constant, n_eval = table.attrs.get("constant"), table.attrs.get("n_eval")
    if not constant or not n_eval:
        return []
    names = [m for m in ("accuracy", "pearson") if m in table.columns] or ["score"]
    failed = [row["variant"] for _, row in table.iterrows()
              if not learning_note({"score": row["score"], **{m: row[m] for m in names}}, constant, n_eval)[0]]
    lines = [f"constant predictor (always the majority class; the mean for regression): score {constant['score']:.4f}."]
    if failed:
        lines.append(f"DID NOT LEARN (not shown better than the constant predictor, one-sided p >= 0.05 "
                     f"on {n_eval} eval rows): {', '.join(failed)}.")
    return lines
