"""A paper-shaped run store for the book's tests: RunRecords of poorman.experiments, with
the paper's model ids (BERT, XLNet, DistilBERT), constructed scores and no training.

The scores are made up (seeded); they exist so the chapters can be executed on a store that holds
the paper's models, which no test can train. `partial=True` leaves seeds and cells out, as a
sweep that stopped half-way would.
"""

from importlib import resources
from pathlib import Path

import numpy as np
import yaml

from poorman.core.strategies import select_layers
from poorman.experiments.profiles import load_profile
from poorman.experiments.run.spec import RunRecord
from poorman.experiments.store import write_run
from poorman.experiments.sweep import expand_grid

MODELS = {"bert-base-uncased": 12, "xlnet-base-cased": 12, "distilbert-base-uncased": 6}
DROP = {"top": 0.01, "bottom": 0.12, "alternate-even": 0.03, "symmetric": 0.05}   # per 6 layers dropped


def profile_yaml(folder, glue_dir):
    """A copy of the paper profile, cut to three tasks, four strategies and three seeds."""
    raw = yaml.safe_load(resources.files("poorman.profiles").joinpath("paper.yaml").read_text())
    raw.update(models={"prune": ["bert-base-uncased", "xlnet-base-cased"], "reference": ["distilbert-base-uncased"]},
               strategies=list(DROP), tasks=["sst2", "mrpc", "stsb"], seeds=[42, 43, 44],
               baseline_seeds=[42, 43, 44], glue_dir=str(glue_dir))
    raw["train"].update(max_train=64, max_eval=None)
    path = Path(folder) / "paper-shaped.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def record(spec, rng, base, scores):
    """scores: {model, task, seed and dropped layers: score}, so that strategies that drop the same
    layers (one model, as in a real sweep) have one score."""
    L, k = MODELS[spec.model], spec.k
    dropped = select_layers(spec.strategy, L, k) if k else []
    drop = DROP.get(spec.strategy, 0.0) * k / 6 * (2 if spec.model.startswith("bert") else 1)
    key = (spec.model, spec.task, spec.seed, tuple(dropped))
    score = scores.setdefault(key, float(np.clip(base[spec.task] - drop + rng.normal(0, 0.004), 0, 1)))
    sim = [{"layer": i, "cka": float(1 - 0.4 * i / L + rng.normal(0, 0.01)), "cosine": 0.9}
           for i in range(L + 1)] if spec.role != "pruned" else None
    return RunRecord(
        run_id=spec.run_id, config=spec, original_layers=L, num_layers=L - k, dropped=dropped,
        kept=[i for i in range(L) if i not in dropped], metrics={"score": score}, train_loss=0.5,
        params={"total": int((24 + 7.1 * (L - k)) * 1e6)}, checkpoint_bytes=int((24 + 7.1 * (L - k)) * 4e6),
        latency={"median_ms": 10.0 * (L - k)}, layer_similarity_to_pretrained=sim,
        num_train_examples=64, num_eval_examples={"validation": 100},
        timing={"train_seconds": 60.0 * (L - k), "train_examples_per_s": 100.0 / (L - k), "eval_seconds": 5.0},
        env={"date": "2026-01-01T00:00:00+00:00", "torch": "made up", "gpu": None, "parallel_runs": 1,
             "precision": "fp32"})


def write_store(results_root, profile_path, partial=False, seed=0):
    """Write the records of the profile's grid under results_root/<profile name>/runs/."""
    prof = load_profile(str(profile_path))
    rng = np.random.default_rng(seed)
    base = {"sst2": 0.92, "mrpc": 0.86, "stsb": 0.88}
    specs = expand_grid(prof)
    if partial:   # a sweep stopped half-way: no seed 44 for pruned cells, no symmetric K=2 at all
        specs = [s for s in specs if not (s.role == "pruned" and (s.seed == 44 or (s.strategy, s.k) == ("symmetric", 2)))]
    scores = {}
    for spec in specs:
        write_run(Path(results_root) / prof.name, record(spec, rng, base, scores))
    return len(specs)
