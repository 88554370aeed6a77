"""The own-data pilot behind own_data.MIN_STEPS: how many optimizer steps a small dataset needs.

MiniLM-L6 with its top 2 layers dropped, the cpu recipe (batch 8, lr 5e-5), on 400 train and
300 eval rows of real SST-2 sentences (scripts/own_data_pilot_files.py), 3 seeds per step
count; the steps are set through `epochs` (50 steps an epoch). Prints one row per step count:
mean accuracy and its SD over seeds, the constant predictor's accuracy, and seconds per run
(the whole `finetune` call: load, train, evaluate, save). Writes its table as JSON.

    POORMAN_GLUE_DIR=../shared/data/glue python scripts/own_data_pilot_files.py /tmp/pilot_own
    ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2 HF_HUB_OFFLINE=1 \\
        python scripts/own_data_pilot.py /tmp/pilot_own benchmarks/results/own_data_pilot.json [EPOCHS ...]

Rows already in the JSON file are kept (the pilot resumes); EPOCHS (default 2 4 6 8) are run.

The two variables make torch and oneDNN run as on an AVX2 CPU (no native bf16), where `auto`
precision is fp32: the machine the precision issue measured on.
"""

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import torch

from poorman.core.precision import choose_precision
from poorman.own.api import finetune

MODEL = "sentence-transformers/all-MiniLM-L6-v2"
EPOCHS = [2, 4, 6, 8]
SEEDS = [42, 43, 44]


def one_run(folder, epochs, seed, store):
    data = dict(train=str(folder / "train.csv"), eval=str(folder / "eval.csv"), text="review", label="sentiment")
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        rec = finetune(MODEL, **data, strategy="top", k=2, seed=seed, epochs=epochs, min_steps=0,
                       out=Path(out) / "m", store=store, log=lambda *_: None)
        return rec["metrics"]["accuracy"], time.perf_counter() - start


def main(folder, out_json, *epochs_to_run):
    folder, out_json = Path(folder), Path(out_json)
    rows = json.loads(out_json.read_text())["rows"] if out_json.exists() else []
    done = {row["epochs"] for row in rows}
    with tempfile.TemporaryDirectory() as store:
        for epochs in [int(e) for e in epochs_to_run] or EPOCHS:
            if epochs in done:
                continue
            runs = [one_run(folder, epochs, seed, store) for seed in SEEDS]
            acc = [a for a, _ in runs]
            rows.append({"epochs": epochs, "steps": epochs * 50, "accuracy": acc,
                         "mean": statistics.mean(acc), "sd": statistics.stdev(acc),
                         "seconds": statistics.mean(s for _, s in runs)})
            print(json.dumps(rows[-1]), flush=True)
            _write(out_json, folder, rows)


def _write(out_json, folder, rows):
    labels = pd.read_csv(folder / "eval.csv").sentiment
    constant = float(labels.value_counts(normalize=True).max())  # always the majority class
    result = {"model": MODEL, "k": 2, "precision": choose_precision().name,
              "cpu_capability": torch.backends.cpu.get_cpu_capability(), "constant_accuracy": constant, "rows": rows}
    out_json.parent.mkdir(parents=True, exist_ok=True)
    out_json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main(*sys.argv[1:])
