"""The pilot's table (issue 8): each candidate recipe's full-MPNet baseline over 3 seeds.

    POORMAN_GLUE_DIR=... python scripts/pilot_table.py [results/pilot]

The pilot's profiles sit beside their stores in results/pilot/; a recipe passes when it clears
the bars of poorman.book.bars: its mean at least 8 points over the constant predictor (0.80 for
STS-B), its seed SD at most 1.5 points, over 3 seeds or more.
"""

import sys
from pathlib import Path

import pandas as pd

from poorman.book import bars
from poorman.experiments.data.floor import constant_scores
from poorman.experiments.profiles import load_profile
from poorman.experiments.store import results


def pilot_rows(folder):
    for path in sorted(Path(folder).glob("*.yaml")):
        profile = load_profile(path)
        runs = results(profile.name, store_dir=Path(folder) / profile.name)
        if runs.empty:
            continue
        constants = constant_scores(profile)
        for task, scores in runs.groupby("task")["score"]:
            train = profile.train_for(task)
            yield {"recipe": profile.name, "task": task, "examples": train["max_train"] or "all",
                   "epochs": train["epochs"], "batch": train["batch_size"], "lr": f"{train['learning_rate']:.0e}",
                   "seeds": len(scores), "scores": " ".join(f"{100 * s:.1f}" for s in scores),
                   "mean": 100 * scores.mean(), "sd": 100 * scores.std(), "constant": 100 * constants[task],
                   "passes": bars.passes(task, scores, constants[task])}


if __name__ == "__main__":
    table = pd.DataFrame(pilot_rows(sys.argv[1] if len(sys.argv) > 1 else "results/pilot"))
    table["headroom"] = table["mean"] - table["constant"]
    for column in ("mean", "sd", "constant", "headroom"):
        table[column] = table[column].map("{:.1f}".format)
    print(table.to_markdown(index=False, disable_numparse=True))
