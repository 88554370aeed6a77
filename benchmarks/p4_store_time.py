"""P4: how long a profile's sweep took, read from its run store (no training here).

A sweep over many hours runs in several sittings, so its time is not one `time` command. Each
record keeps its training and evaluation seconds and when it finished. Per task this prints:

* trainings: records that trained a model (a run that shares another's model trained nothing);
* worker_h: their training + evaluation time, summed, in hours;
* wall_h at jobs: worker_h / jobs, the wall time with `jobs` trainings at once and no idle worker;
* span_h: first to last finish within each sitting (a gap over --gap minutes ends one), summed;
* quiet_h: wall time at jobs if every training had taken the fastest time any training of its
  model and depth took on its task: an estimate for a machine doing nothing else.

The worker seconds were measured beside whatever else the machine did, so the estimate is an
upper bound for a quiet machine.

    python benchmarks/p4_store_time.py [--profile cpu] [--gap 30]
"""

import argparse
import json
from pathlib import Path

import pandas as pd

import poorman
from poorman.experiments.profiles import load_profile


def sittings(finished, gap_minutes):
    """Hours from first to last finish of each sitting, summed."""
    t = finished.sort_values()
    new = t.diff() > pd.Timedelta(minutes=gap_minutes)
    return sum((g.max() - g.min()).total_seconds() for _, g in t.groupby(new.cumsum())) / 3600


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--profile", default="cpu")
    ap.add_argument("--gap", type=float, default=30)
    ap.add_argument("--out", default=str(Path(__file__).with_name("results") / "p4_store_time.json"))
    args = ap.parse_args()
    jobs = load_profile(args.profile).jobs
    runs = poorman.results(args.profile)
    runs["finished"] = pd.to_datetime(runs.finished_at)
    trained = runs[runs.same_model_as.isna()] if "same_model_as" in runs else runs
    trained = trained.assign(seconds=trained.train_seconds + trained.eval_seconds)
    trained["fastest"] = trained.groupby(["task", "model", "num_layers"]).seconds.transform("min")
    rows = []
    for task, d in list(trained.groupby("task")) + [("all", trained)]:
        worker = float(d.seconds.sum()) / 3600
        rows.append({"task": task, "records": int((runs.task == task).sum()) if task != "all" else len(runs),
                     "trainings": len(d), "worker_h": round(worker, 2), "wall_h at jobs": round(worker / jobs, 2),
                     "span_h": round(sittings(d.finished, args.gap), 2),
                     "quiet_h": round(float(d.fastest.sum()) / 3600 / jobs, 2)})
    table = pd.DataFrame(rows)
    print(f"profile {args.profile}, jobs={jobs}\n{table.to_string(index=False)}")
    Path(args.out).write_text(json.dumps({"profile": args.profile, "jobs": jobs, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
